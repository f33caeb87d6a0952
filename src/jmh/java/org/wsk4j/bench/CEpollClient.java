package org.wsk4j.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The C epoll contender ({@code bench/c/epoll_client.c}) driven from a benchmark: one child process per trial, told
 * over a pipe what to run ("run ..."), answering "ok" when done; a pipe round trip per invocation, which is well
 * under 1 % of an invocation (512 connects, 1,024 echo messages). Its path is the system property
 * {@value #PROPERTY}, which {@code bench/run.sh} sets when it could build the program with gcc.
 */
final class CEpollClient implements AutoCloseable {

    static final String PROPERTY = "bench.cEpoll";

    /** The program, or null when it was not built (the suite then skips the C contender and says why). */
    static Path program() {
        String path = System.getProperty(PROPERTY);
        if (path == null || path.isEmpty()) {
            return null;
        }
        Path program = Path.of(path);
        return Files.isExecutable(program) ? program : null;
    }

    private final Process process;
    private final Writer commands;
    private final BufferedReader answers;

    CEpollClient(String mode, InetSocketAddress target, String... args) throws IOException {
        Path program = program();
        if (program == null) {
            throw new IllegalStateException("the C epoll contender was not built (-D" + PROPERTY + " unset)");
        }
        List<String> command = new ArrayList<>(List.of(program.toString(), mode,
                target.getAddress().getHostAddress(), Integer.toString(target.getPort())));
        command.addAll(List.of(args));
        process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        commands = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.US_ASCII);
        answers = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
        expect("ready");
    }

    /** Runs one invocation ("run " + arguments) and waits for its "ok". */
    void run(String arguments) throws IOException {
        commands.write("run " + arguments + "\n");
        commands.flush();
        expect("ok");
    }

    private void expect(String answer) throws IOException {
        String line = answers.readLine();
        if (!answer.equals(line)) {
            throw new IOException("C epoll contender: expected " + answer + ", got " + line);
        }
    }

    /** Runs the program's sequential blocking connect + close latency mode; returns {p50, p99} in µs. */
    static double[] latency(InetSocketAddress target, int count) throws IOException, InterruptedException {
        Path program = program();
        if (program == null) {
            return null;
        }
        Process p = new ProcessBuilder(program.toString(), "latency", target.getAddress().getHostAddress(),
                Integer.toString(target.getPort()), Integer.toString(count))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String line;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.US_ASCII))) {
            line = out.readLine();
        }
        p.waitFor(60, TimeUnit.SECONDS);
        String[] parts = line == null ? new String[0] : line.trim().split(" ");
        if (parts.length != 4 || !parts[0].equals("p50_ns")) {
            throw new IOException("C epoll contender latency: " + line);
        }
        return new double[] {Long.parseLong(parts[1]) / 1000.0, Long.parseLong(parts[3]) / 1000.0};
    }

    @Override
    public void close() throws IOException, InterruptedException {
        commands.close(); // end of input: the program exits
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
