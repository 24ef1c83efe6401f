package dev.tally.testing;

import java.io.File;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * An independent AWS implementation for tests: {@code moto_server} (Python) started on a free
 * loopback port. Speaks EventBridge, SQS, KMS, S3, Scheduler, DynamoDB and its Streams, so our AWS
 * adapters are answered by something other than our own emulator.
 *
 * <pre>{@code
 * try (MotoServer moto = MotoServer.startOrSkip()) {
 *     KmsClient kms = KmsClient.builder().endpointOverride(moto.endpoint())...
 * }
 * }</pre>
 *
 * <p>When {@code moto_server} cannot be found, {@link #startOrSkip()} skips the test (a JUnit
 * assumption) with a message that says how to install it. Set {@code TALLY_MOTO_SERVER} to the
 * executable to use a specific one. Each instance is a fresh, empty server: nothing is shared
 * between tests that start their own.
 */
public final class MotoServer implements AutoCloseable {

    /** The credentials moto accepts (any), for SDK clients built against it. */
    public static final String ACCESS_KEY = "testing";
    public static final String SECRET_KEY = "testing";
    public static final String REGION = "us-east-1";

    private static final String INSTALL =
            "moto_server was not found. Install it with `pip install 'moto[server]'` (Python 3.8+), "
                    + "put it on PATH or set TALLY_MOTO_SERVER to its path, and run the test again.";

    private final Process process;
    private final int port;
    private final Path log;
    private boolean defaultCredentials;

    private MotoServer(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** Starts a fresh moto_server, or skips the calling test when it is not installed. */
    public static MotoServer startOrSkip() {
        Optional<String> exe = find();
        Assumptions.assumeTrue(exe.isPresent(), INSTALL);
        try {
            return start(exe.get());
        } catch (IOException e) {
            throw new IllegalStateException("moto_server (" + exe.get() + ") did not start: " + e.getMessage()
                    + ". " + INSTALL, e);
        }
    }

    /**
     * As {@link #startOrSkip()}, and moto's credentials become the default AWS chain's (the
     * {@code aws.accessKeyId} / {@code aws.secretAccessKey} system properties) until {@link #close()}:
     * for code that, like a Lambda function or the CLI on a workstation, takes its credentials from
     * the default chain.
     */
    public static MotoServer startOrSkipAsDefaultCredentials() {
        MotoServer server = startOrSkip();
        System.setProperty("aws.accessKeyId", ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", SECRET_KEY);
        server.defaultCredentials = true;
        return server;
    }

    /** Whether moto_server can be found on this machine. */
    public static boolean available() {
        return find().isPresent();
    }

    static Optional<String> find() {
        String configured = System.getenv("TALLY_MOTO_SERVER");
        List<Path> candidates = new ArrayList<>();
        if (configured != null && !configured.isBlank()) {
            candidates.add(Path.of(configured));
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                if (!dir.isBlank()) candidates.add(Path.of(dir, "moto_server"));
            }
        }
        String home = System.getProperty("user.home");
        candidates.add(Path.of(home, ".pyenv", "shims", "moto_server"));
        candidates.add(Path.of(home, ".local", "bin", "moto_server"));
        for (Path candidate : candidates) {
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate.toString());
            }
        }
        return Optional.empty();
    }

    private static MotoServer start(String exe) throws IOException {
        // the free port is found, released, then given to moto: another process may take it in between,
        // and moto then exits at once. Try another port then
        for (int attempt = 1; ; attempt++) {
            try {
                return startOnAFreePort(exe);
            } catch (ExitedEarly e) {
                if (attempt == 3) {
                    throw e;
                }
            }
        }
    }

    /** moto_server ended before it answered (a port taken in between, say). */
    private static final class ExitedEarly extends IOException {
        ExitedEarly(String message) {
            super(message);
        }
    }

    private static MotoServer startOnAFreePort(String exe) throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        Path log = Files.createTempFile("moto-server-", ".log");
        Process process = new ProcessBuilder(exe, "-H", "127.0.0.1", "-p", Integer.toString(port))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        MotoServer server = new MotoServer(process, port, log);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new ExitedEarly("exited with " + process.exitValue() + "; its output: " + server.output());
            }
            if (server.answers()) {
                return server;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                server.close();
                throw new IOException("interrupted while waiting for it");
            }
        }
        server.close();
        throw new IOException("no answer on port " + port + " within 60 s; its output: " + server.output());
    }

    private boolean answers() {
        try {
            HttpURLConnection connection = (HttpURLConnection) endpoint().resolve("/moto-api/").toURL().openConnection();
            connection.setConnectTimeout(500);
            connection.setReadTimeout(2000);
            int status = connection.getResponseCode();
            connection.disconnect();
            return status > 0;
        } catch (IOException e) {
            return false;
        }
    }

    /** The endpoint to give SDK clients ({@code endpointOverride}). */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public int port() {
        return port;
    }

    /** Resets every service to empty (moto's reset API). */
    public void reset() {
        try {
            HttpURLConnection connection = (HttpURLConnection) endpoint().resolve("/moto-api/reset").toURL().openConnection();
            connection.setRequestMethod("POST");
            connection.getResponseCode();
            connection.disconnect();
        } catch (IOException e) {
            throw new IllegalStateException("moto reset failed: " + e.getMessage(), e);
        }
    }

    /** What the server printed so far (for failure messages). */
    public String output() {
        try {
            String text = Files.readString(log);
            return text.length() > 4000 ? text.substring(text.length() - 4000) : text;
        } catch (IOException e) {
            return "(output unreadable: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        if (defaultCredentials) {
            System.clearProperty("aws.accessKeyId");
            System.clearProperty("aws.secretAccessKey");
            defaultCredentials = false;
        }
        process.destroy();
        try {
            if (!process.waitFor(Duration.ofSeconds(5).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        try {
            Files.deleteIfExists(log);
        } catch (IOException ignored) {
            // a temp file; the OS cleans it eventually
        }
    }
}
