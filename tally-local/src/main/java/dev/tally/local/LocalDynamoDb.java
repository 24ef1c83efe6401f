package dev.tally.local;

import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import dev.tally.dynamodb.DynamoDbClients;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * DynamoDB Local started in this JVM, reached over real HTTP by the same SDK clients Lambda uses.
 * In memory for tests, or persisted in a data directory ({@code -sharedDb}, so any credentials
 * see the same tables). Telemetry is off (it would write a file in the working directory and add
 * a second to start). DynamoDB Local leaves non-daemon threads behind after {@link #close()}:
 * a command-line main must end with {@code System.exit}.
 */
public final class LocalDynamoDb implements AutoCloseable {
    public static final Region REGION = Region.US_EAST_1;

    private final DynamoDBProxyServer server;
    private final URI endpoint;
    private final Path dataDir;
    private final boolean scratch;
    private final List<AutoCloseable> clients = new ArrayList<>();

    private LocalDynamoDb(List<String> args, int port, Path dataDir, boolean scratch) {
        this.dataDir = dataDir;
        this.scratch = scratch;
        try {
            List<String> all = new ArrayList<>(args);
            all.add("-disableTelemetry");
            all.add("-port");
            all.add(Integer.toString(port));
            this.server = quietly(() -> {
                DynamoDBProxyServer s = ServerRunner.createServerFromCommandLineArgs(all.toArray(new String[0]));
                s.start();
                return s;
            });
        } catch (Exception e) {
            throw new IllegalStateException("could not start DynamoDB Local on port " + port + ": " + e.getMessage()
                    + (port != 0 ? " (is the port in use? pass 0 for any free port)" : ""), e);
        }
        this.endpoint = URI.create("http://127.0.0.1:" + port);
    }

    private interface Start {
        DynamoDBProxyServer run() throws Exception;
    }

    /** DynamoDB Local prints its configuration banner to stdout; keep the caller's output clean. */
    private static DynamoDBProxyServer quietly(Start start) throws Exception {
        synchronized (System.class) {
            java.io.PrintStream out = System.out;
            System.setOut(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
            try {
                return start.run();
            } finally {
                System.setOut(out);
            }
        }
    }

    /** A throwaway database in memory, on a free port. */
    public static LocalDynamoDb inMemory() {
        Path scratch;
        try {
            scratch = Files.createTempDirectory("tally-local-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a scratch directory: " + e.getMessage(), e);
        }
        return new LocalDynamoDb(List.of("-inMemory"), freePort(), scratch, true);
    }

    /** A database kept in {@code dataDir} (created if missing), on {@code port} (0 for a free one). */
    public static LocalDynamoDb persistent(Path dataDir, int port) {
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the data directory " + dataDir + ": " + e.getMessage(), e);
        }
        return new LocalDynamoDb(List.of("-dbPath", dataDir.toAbsolutePath().toString(), "-sharedDb"),
                port == 0 ? freePort() : port, dataDir, false);
    }

    /**
     * Where files that belong with the tables live (the local EventBridge's delivery journal): the
     * data directory of a persistent database, or a scratch directory of an in-memory one that lives
     * as long as this server.
     */
    public Path dataDir() {
        return dataDir;
    }

    public URI endpoint() {
        return endpoint;
    }

    /** A new DynamoDB client for this server (closed with it). */
    public synchronized DynamoDbClient client() {
        DynamoDbClient c = DynamoDbClients.forEndpoint(endpoint, REGION);
        clients.add(c);
        return c;
    }

    /** A new DynamoDB Streams client for this server (closed with it). */
    public synchronized DynamoDbStreamsClient streamsClient() {
        DynamoDbStreamsClient c = DynamoDbStreamsClient.builder()
                .httpClient(UrlConnectionHttpClient.create())
                .region(REGION)
                .endpointOverride(endpoint)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("tallyLocal",
                        "tallyLocalSecret")))
                .build();
        clients.add(c);
        return c;
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() {
        for (AutoCloseable c : clients) {
            try {
                c.close();
            } catch (Exception ignored) {
                // closing clients is best effort
            }
        }
        clients.clear();
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("could not stop DynamoDB Local: " + e.getMessage(), e);
        } finally {
            if (scratch) {
                deleteQuietly(dataDir);
            }
        }
    }

    private static void deleteQuietly(Path dir) {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a scratch directory in the temp folder: the system cleans it eventually
        }
    }
}
