package dev.tally.cli;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code java -jar tally.jar serve ...} as a user runs it: a real process, stopped with SIGTERM
 * (Ctrl-C). Its output goes to a file under target/: reading the pipe loses the last lines when
 * the process exits (the JDK swaps the stream under a concurrent reader).
 */
final class TallyProcess implements AutoCloseable {
    private static final Pattern SERVING = Pattern.compile("Tally is serving on (https?://\\S+)");

    private final Process process;
    private final Path log;
    private final URI url;

    private TallyProcess(List<String> jvm, List<String> args, java.util.Map<String, String> env) throws Exception {
        String jar = System.getProperty("tally.jar", "target/tally.jar");
        if (!Path.of(jar).toFile().isFile()) {
            throw new IllegalStateException(jar + " is missing: these tests run after 'mvn package' (use mvn verify)");
        }
        log = Path.of("target", "tally-" + UUID.randomUUID() + ".log");
        Files.createDirectories(log.getParent());
        ProcessBuilder pb = new ProcessBuilder(command(jvm, args)).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().putAll(env);
        process = pb.start();
        // starts take 3-12 s here; a loaded CI machine gets 180 s before a start counts as failed
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        URI found = null;
        while (found == null && System.nanoTime() < deadline && process.isAlive()) {
            Matcher m = SERVING.matcher(Files.readString(log, StandardCharsets.UTF_8));
            if (m.find()) {
                found = URI.create(m.group(1));
            } else {
                Thread.sleep(50);
            }
        }
        if (found == null) {
            boolean slow = process.isAlive();
            process.destroyForcibly();
            throw new IllegalStateException("tally serve did not start" + (slow ? " within 180 s" : "")
                    + "; it printed:\n" + String.join("\n", output()));
        }
        url = found;
    }

    static TallyProcess serve(String... args) throws Exception {
        return serveWith(java.util.Map.of(), args);
    }

    /**
     * {@code serve --data DIR --port 0} plus {@code extra}: a server on a data directory the caller
     * keeps, so a later start (after {@link #kill()} or {@link #terminate()}) finds the same ledger.
     */
    static TallyProcess serveOn(Path data, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("--data", data.toString(), "--port", "0"));
        args.addAll(List.of(extra));
        return serve(args.toArray(new String[0]));
    }

    /** Serves the example apps (bank and counter) unless {@code args} names apps of its own. */
    static TallyProcess serveWith(java.util.Map<String, String> env, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("serve"));
        all.addAll(List.of(args));
        if (!all.contains("--app")) {
            all.addAll(exampleApps());
        }
        return new TallyProcess(ItClassDataSharing.options(), all, env);
    }

    /** {@code serve ARGS} (and the example apps) with {@code jvm} as its only JVM options beyond the build's. */
    static TallyProcess serveWithJvm(List<String> jvm, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("serve"));
        all.addAll(List.of(args));
        all.addAll(exampleApps());
        return new TallyProcess(jvm, all, java.util.Map.of());
    }

    /** {@code --app bank.jar --app counter.jar}: the examples, built before tally-cli (see its pom). */
    static List<String> exampleApps() {
        List<String> out = new ArrayList<>();
        for (String jar : System.getProperty("tally.apps", "").split(",")) {
            if (!jar.isBlank()) {
                if (!Path.of(jar).toFile().isFile()) {
                    throw new IllegalStateException(jar + " is missing: the examples are built before tally-cli in"
                            + " the reactor (mvn verify from the repository root)");
                }
                out.add("--app");
                out.add(jar);
            }
        }
        return out;
    }

    /** The options of {@code tally.itJvmOptions}, none when it is not set. */
    static List<String> jvmOptions() {
        List<String> options = new ArrayList<>();
        for (String option : System.getProperty("tally.itJvmOptions", "").trim().split("\\s+")) {
            if (!option.isEmpty()) {
                options.add(option);
            }
        }
        return options;
    }

    /**
     * {@code java [tally.itJvmOptions] [JVM] -jar tally.jar ARGS}. The build sets those options for the
     * short-lived JVMs the tests start (tally-cli's pom: the client compiler only and the serial
     * collector, about half the CPU time of a start), and {@code JVM} maps the classes they share
     * ({@link ItClassDataSharing}); a user's {@code java -jar} runs without them.
     */
    private static List<String> command(List<String> jvm, List<String> args) {
        String jar = System.getProperty("tally.jar", "target/tally.jar");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(jvmOptions());
        command.addAll(jvm);
        command.addAll(List.of("-jar", jar));
        command.addAll(args);
        return command;
    }

    /** A command that ends by itself (events, aggregate, dlq, a refused serve): exit code and output. */
    record Finished(int exitCode, String output) {
    }

    static Finished run(java.util.Map<String, String> env, String... args) throws Exception {
        // the output goes to a file, so that a command that hangs is ended at the deadline (reading a pipe to
        // its end would wait for it forever)
        Path output = Path.of("target", "tally-run-" + UUID.randomUUID() + ".log");
        Files.createDirectories(output.getParent());
        ProcessBuilder pb = new ProcessBuilder(command(ItClassDataSharing.options(), List.of(args)))
                .redirectErrorStream(true).redirectOutput(output.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("tally " + String.join(" ", args) + " did not end within 120 s:\n"
                        + new String(Files.readAllBytes(output), StandardCharsets.UTF_8));
            }
            return new Finished(p.exitValue(), new String(Files.readAllBytes(output), StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(output);
        }
    }

    URI url() {
        return url;
    }

    /** The operating system's id of the server process. */
    long pid() {
        return process.pid();
    }

    Path log() {
        return log;
    }

    /** The last {@code lines} lines the server printed. */
    String logTail(int lines) {
        List<String> all = output();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    List<String> output() {
        try {
            return Files.readAllLines(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + log, e);
        }
    }

    /**
     * Ctrl-C: SIGTERM, then wait for a clean exit. A JVM ended by a signal exits with 128 + the
     * signal's number after its shutdown hooks ran (143 for SIGTERM); the hook prints "stopped".
     */
    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("tally serve did not stop within 60 s of SIGTERM");
        }
        List<String> output = output();
        if (process.exitValue() != 143 && process.exitValue() != 0) {
            throw new IllegalStateException("tally serve exited with " + process.exitValue() + ":\n"
                    + String.join("\n", output));
        }
        if (!output.contains("stopped") && output.stream().noneMatch(l -> l.startsWith("stopped; data kept in"))) {
            throw new IllegalStateException("tally serve did not shut down cleanly:\n" + String.join("\n", output));
        }
    }

    /**
     * A crash: SIGKILL (kill -9), no shutdown hook runs. Waits until the process is gone and
     * returns its exit code (137).
     */
    int kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("tally serve still runs 60 s after SIGKILL");
        }
        return process.exitValue();
    }

    /**
     * SIGTERM at any moment, and wait until the process is gone; unlike {@link #stop()} it does
     * not require a clean "stopped" (a SIGTERM at a random moment, e.g. while requests are in
     * flight, may race the shutdown). Falls back to SIGKILL after 60 s. Returns the exit code.
     */
    int terminate() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
            throw new IllegalStateException("tally serve did not end within 60 s of SIGTERM; killed it:\n"
                    + logTail(40));
        }
        return process.exitValue();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            stop();
        }
    }
}
