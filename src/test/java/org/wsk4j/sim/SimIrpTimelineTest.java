package org.wsk4j.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.wsk4j.Completion;
import org.wsk4j.WskSocket;
import org.wsk4j.nt.IrpTimeline;

/**
 * The IRP timeline as Chrome / Perfetto trace-event JSON: parsed with an independent JSON parser and checked
 * against the Trace Event Format (required fields per phase, async spans opened and closed, microsecond
 * timestamps), with the lifecycle of each IRP in order.
 */
class SimIrpTimelineTest extends SimTestBase {

    private static final Set<String> PHASES = Set.of("M", "b", "n", "e", "i", "X");

    /** Checks one trace against the Trace Event Format; returns the events by IRP id, in order. */
    static Map<Long, List<JsonNode>> validate(String json) throws Exception {
        JsonNode root = new ObjectMapper().readTree(json);
        assertTrue(root.isObject(), "the JSON object format");
        JsonNode events = root.get("traceEvents");
        assertNotNull(events);
        assertTrue(events.isArray());
        assertEquals("ns", root.get("displayTimeUnit").asText());
        Map<Long, List<JsonNode>> byIrp = new LinkedHashMap<>();
        Map<Long, Integer> open = new LinkedHashMap<>();
        double lastTs = -1;
        for (JsonNode event : events) {
            String ph = event.get("ph").asText();
            assertTrue(PHASES.contains(ph), "phase " + ph);
            assertTrue(event.get("name").isTextual(), event::toString);
            assertTrue(event.get("pid").isIntegralNumber() && event.get("tid").isIntegralNumber(), event::toString);
            if (ph.equals("M")) {
                assertEquals("thread_name", event.get("name").asText());
                assertTrue(event.get("args").get("name").isTextual());
                continue;
            }
            assertTrue(event.get("ts").isNumber() && event.get("ts").asDouble() >= 0, event::toString);
            if (!ph.equals("X")) { // a complete event is written when it ends, stamped with its start
                assertTrue(event.get("ts").asDouble() >= lastTs, "recorded in time order (single-threaded simulation)");
                lastTs = event.get("ts").asDouble();
            }
            assertEquals("irp", event.get("cat").asText());
            long irp = event.get("args").get("irp").asLong();
            byIrp.computeIfAbsent(irp, key -> new ArrayList<>()).add(event);
            switch (ph) {
                case "b" -> open.merge(event.get("id").asLong(), 1, Integer::sum);
                case "e" -> open.merge(event.get("id").asLong(), -1, Integer::sum);
                case "n" -> assertTrue(event.get("id").isIntegralNumber());
                case "X" -> assertTrue(event.get("dur").isNumber() && event.get("dur").asDouble() >= 0);
                case "i" -> assertEquals("t", event.get("s").asText());
                default -> { }
            }
        }
        open.forEach((id, count) -> assertEquals(0, count, "async span of IRP#" + id + " opened and closed once"));
        return byIrp;
    }

    @Test
    void aConnectsIrpsReadBackAsValidTraceEventsWithTheirWholeLifecycle() throws Exception {
        IrpTimeline timeline = network.ioManager().startTimeline(executor::nanoTime);
        WskSocket listener = listen(SERVER_V4, 80);
        Completion accepted = accept(listener);
        WskSocket socket = connectionSocket(AF_INET);
        assertEquals(STATUS_SUCCESS, bind(socket, any(AF_INET)));
        Completion connected = new Completion();
        connection(socket).wskConnect(socket, addr(SERVER_V4, 80), 0, connected.irp);
        executor.runUntilIdle();
        assertEquals(STATUS_SUCCESS, connected.status);
        close(socket);
        close(accepted.socket());
        close(listener);
        assertEquals(timeline, network.ioManager().stopTimeline());
        assertNull(network.ioManager().timeline());
        StringWriter json = new StringWriter();
        timeline.writeJson(json);
        Map<Long, List<JsonNode>> byIrp = validate(json.toString());
        long connectIrp = connected.irp.id();
        List<String> names = new ArrayList<>();
        for (JsonNode event : byIrp.get(connectIrp)) {
            names.add(event.get("ph").asText() + " " + event.get("name").asText());
        }
        assertEquals(List.of("b IRP#" + connectIrp, "i IoAllocateIrp IRP#" + connectIrp, "n WskConnect",
                "i WskConnect IRP#" + connectIrp, "n IoMarkIrpPending", "i IoMarkIrpPending IRP#" + connectIrp,
                "n completion STATUS_SUCCESS", "i IoFreeIrp IRP#" + connectIrp, "e IRP#" + connectIrp,
                "X completion routine IRP#" + connectIrp), names);
        JsonNode routine = byIrp.get(connectIrp).get(byIrp.get(connectIrp).size() - 1);
        assertEquals("STATUS_SUCCESS", routine.get("args").get("status").asText());
        assertEquals("STATUS_MORE_PROCESSING_REQUIRED", routine.get("args").get("returned").asText());
        JsonNode begin = byIrp.get(connectIrp).get(0);
        JsonNode complete = byIrp.get(connectIrp).get(6);
        assertEquals(200.0, complete.get("ts").asDouble() - begin.get("ts").asDouble(), 1e-9,
                "virtual time: the connect completes one round trip (200 µs) after the hand-over");
        assertFalse(timeline.eventCount() == 0);
    }

    @Test
    void theNioTransportsIrpsMakeAValidTimelineToo() throws Exception {
        try (org.wsk4j.WskSubsystem wsk = org.wsk4j.WskSubsystem.builder().manualExecutor().build();
             org.wsk4j.nt.IoManager.Binding ignored = wsk.ioManager().bindToCurrentThread()) {
            org.wsk4j.nt.ManualCompletionExecutor nioExecutor = wsk.manualExecutor();
            IrpTimeline timeline = wsk.ioManager().startTimeline(nioExecutor::nanoTime);
            org.wsk4j.WskRegistration registration = new org.wsk4j.WskRegistration();
            assertEquals(STATUS_SUCCESS, wsk.wskRegister(new org.wsk4j.WskClientNpi(null,
                    new org.wsk4j.WskClientDispatch(MAKE_WSK_VERSION(1, 0), 0, null)), registration));
            org.wsk4j.WskProviderNpi provider = new org.wsk4j.WskProviderNpi();
            assertEquals(STATUS_SUCCESS, wsk.wskCaptureProviderNpi(registration, WSK_NO_WAIT, provider));
            Completion created = new Completion();
            provider.dispatch().wskSocket(provider.client(), AF_INET, SOCK_DGRAM, IPPROTO_UDP, WSK_FLAG_DATAGRAM_SOCKET,
                    null, null, null, null, null, created.irp);
            nioExecutor.runUntil(created::done, java.time.Duration.ofSeconds(10));
            assertEquals(STATUS_SUCCESS, created.status);
            Completion closed = new Completion();
            created.socket().dispatch().wskCloseSocket(created.socket(), closed.irp);
            nioExecutor.runUntil(closed::done, java.time.Duration.ofSeconds(10));
            assertEquals(STATUS_SUCCESS, closed.status);
            wsk.wskReleaseProviderNpi(registration);
            wsk.wskDeregister(registration);
            StringWriter json = new StringWriter();
            wsk.ioManager().stopTimeline().writeJson(json);
            Map<Long, List<JsonNode>> byIrp = validate(json.toString());
            assertEquals(Set.of(created.irp.id(), closed.irp.id()), byIrp.keySet());
            assertTrue(json.toString().contains("\"WskSocket\"") && json.toString().contains("\"WskCloseSocket\""));
            assertTrue(timeline.eventCount() > 0);
        }
    }
}
