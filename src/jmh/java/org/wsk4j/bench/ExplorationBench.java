package org.wsk4j.bench;

import static org.wsk4j.Wsk.*;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.wsk4j.SockAddrIn;
import org.wsk4j.WskBuf;
import org.wsk4j.WskClientDispatch;
import org.wsk4j.WskClientNpi;
import org.wsk4j.WskProviderConnectionDispatch;
import org.wsk4j.WskProviderListenDispatch;
import org.wsk4j.WskProviderNpi;
import org.wsk4j.WskRegistration;
import org.wsk4j.WskSocket;
import org.wsk4j.WskSubsystem;
import org.wsk4j.nt.DeviceObject;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.IoCompletionRoutine;
import org.wsk4j.nt.IoManager;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.ManualCompletionExecutor;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.nt.Schedule;
import org.wsk4j.nt.ScheduleStrategy;
import org.wsk4j.nt.Verifier;
import org.wsk4j.nt.VerifierSink;
import org.wsk4j.sim.SimNetwork;

/**
 * Exploration speed (issue 18): schedules per second of a connect + send + receive + close test, each schedule on a
 * fresh network and subsystem as {@code @WskTest(schedules = N)} runs it (the extension's per-schedule work: a
 * {@code SimNetwork} exploring a {@link Schedule}, {@code newSubsystem}, the test settings of the verifier (stack
 * capture ALWAYS, a recording sink), bind, WskRegister, WskCaptureProviderNpi, the test body, the leak checks
 * (live IRPs, open sockets), release, WskDeregister, close). The bench jar does not carry JUnit, so this replays the
 * extension's steps with the public API; the JUnit reflection it leaves out is one method call per schedule.
 * {@code freshSubsystem} is the same without the test body: the cost of isolation per schedule. Target: at least
 * 2,000 schedules/s on one core.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
@Fork(2)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ExplorationBench {

    @Param({"pct:3", "random"})
    public String strategy;

    /**
     * The verifier's stack capture: {@code always} is what the extension sets for tests (every allocation and
     * hand-over site recorded, for leak reports); {@code off} is {@code -Dwsk4j.verifier.stackCapture=OFF}.
     */
    @Param({"always", "off"})
    public String capture;

    private ScheduleStrategy strategies;
    private long seed;

    /** Where a completion routine leaves its result (read after the executor ran). */
    private static final class Slot {
        NtStatus status;
        Object information;
    }

    private static final IoCompletionRoutine ROUTINE = ExplorationBench::complete;

    private static NtStatus complete(DeviceObject device, Irp irp, Object context) {
        Slot slot = (Slot) context;
        slot.status = irp.ioStatus().status();
        slot.information = irp.ioStatus().informationObject();
        Io.freeIrp(irp);
        return NtStatus.STATUS_MORE_PROCESSING_REQUIRED;
    }

    private static Irp irp(Slot slot) {
        Irp irp = Io.allocateIrp(1, false);
        Io.setCompletionRoutine(irp, ROUTINE, slot, true, true, true);
        return irp;
    }

    /** One schedule's world, as the extension builds it. */
    private final class World implements AutoCloseable {
        final SimNetwork network = SimNetwork.create(++seed);
        final WskSubsystem wsk;
        final ManualCompletionExecutor executor = network.executor();
        final IoManager.Binding binding;
        final WskRegistration registration = new WskRegistration();
        final WskProviderNpi npi = new WskProviderNpi();

        World() {
            if (strategies == null) {
                strategies = ScheduleStrategy.parse(strategy);
            }
            executor.explore(new Schedule(seed, strategies));
            wsk = network.newSubsystem();
            wsk.ioManager().verifier().setStackCapture(capture.equals("always") ? Verifier.StackCapture.ALWAYS
                    : Verifier.StackCapture.OFF);
            wsk.ioManager().verifier().setSink(VerifierSink.recording());
            binding = wsk.bindToCurrentThread();
            WskHost.check(wsk.wskRegister(new WskClientNpi(null, new WskClientDispatch(MAKE_WSK_VERSION(1, 0), 0,
                    null)), registration), "WskRegister");
            WskHost.check(wsk.wskCaptureProviderNpi(registration, WSK_NO_WAIT, npi), "WskCaptureProviderNPI");
        }

        @Override
        public void close() {
            executor.runPending();
            wsk.wskReleaseProviderNpi(registration);
            if (!registration.openSockets().isEmpty() || wsk.ioManager().liveIrpCount() != 0
                    || !wsk.ioManager().verifier().violations().isEmpty()) {
                throw new IllegalStateException("the schedule left something behind");
            }
            wsk.wskDeregister(registration);
            executor.runPending();
            binding.close();
            wsk.close();
            executor.close();
        }

        Object call(NtStatus expected, String what, Slot slot) {
            executor.runUntilIdle();
            if (slot.status != expected) {
                throw new IllegalStateException(what + " completed with " + slot.status);
            }
            return slot.information;
        }
    }

    /** A fresh world per schedule and nothing else: the cost of isolation. */
    @Benchmark
    public Object freshSubsystem() {
        try (World world = new World()) {
            return world.npi;
        }
    }

    /** One schedule of a connect + send + receive + close test on its own fresh world. */
    @Benchmark
    public Object connectSendReceiveClose() {
        try (World world = new World()) {
            Slot slot = new Slot();
            Slot accept = new Slot();
            world.npi.dispatch().wskSocket(world.npi.client(), AF_INET, SOCK_STREAM, IPPROTO_TCP,
                    WSK_FLAG_LISTEN_SOCKET, null, null, null, null, null, irp(slot));
            WskSocket listen = (WskSocket) world.call(NtStatus.STATUS_SUCCESS, "WskSocket", slot);
            WskProviderListenDispatch listening = (WskProviderListenDispatch) listen.dispatch();
            listening.wskBind(listen, SockAddrIn.loopback(7000), 0, irp(slot));
            world.call(NtStatus.STATUS_SUCCESS, "WskBind", slot);
            listening.wskAccept(listen, 0, null, null, null, null, irp(accept));
            world.npi.dispatch().wskSocketConnect(world.npi.client(), SOCK_STREAM, IPPROTO_TCP, SockAddrIn.any(0),
                    SockAddrIn.loopback(7000), 0, null, null, null, null, null, irp(slot));
            WskSocket client = (WskSocket) world.call(NtStatus.STATUS_SUCCESS, "WskSocketConnect", slot);
            WskSocket server = (WskSocket) accept.information;
            WskProviderConnectionDispatch c = (WskProviderConnectionDispatch) client.dispatch();
            WskProviderConnectionDispatch s = (WskProviderConnectionDispatch) server.dispatch();
            Slot received = new Slot();
            s.wskReceive(server, new WskBuf(Io.allocateMdl(ByteBuffer.allocate(64), 0, 64), 0, 64), 0,
                    irp(received));
            c.wskSend(client, new WskBuf(Io.allocateMdl(ByteBuffer.allocate(64), 0, 64), 0, 64), 0, irp(slot));
            world.call(NtStatus.STATUS_SUCCESS, "WskSend", slot);
            world.call(NtStatus.STATUS_SUCCESS, "WskReceive", received);
            c.wskCloseSocket(client, irp(slot));
            world.call(NtStatus.STATUS_SUCCESS, "WskCloseSocket", slot);
            s.wskCloseSocket(server, irp(slot));
            world.call(NtStatus.STATUS_SUCCESS, "WskCloseSocket", slot);
            listening.wskCloseSocket(listen, irp(slot));
            world.call(NtStatus.STATUS_SUCCESS, "WskCloseSocket", slot);
            return received.status;
        }
    }
}
