package dev.tally.local;

import com.amazonaws.services.dynamodbv2.local.server.LocalDynamoDBRequestHandler;
import com.amazonaws.services.dynamodbv2.local.server.LocalDynamoDBServerHandler;
import dev.tally.dynamodb.DynamoDbClients;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.eclipse.jetty.util.Callback;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * DynamoDB Local started in this JVM, reached over real HTTP by the same SDK clients Lambda uses.
 * In memory for tests, or persisted in a data directory ({@code -sharedDb}, so any credentials
 * see the same tables). It listens on 127.0.0.1 only. Telemetry is off (it would write a file in
 * the working directory and add a second to start). DynamoDB Local leaves non-daemon threads behind after {@link #close()}:
 * a command-line main must end with {@code System.exit}.
 */
public final class LocalDynamoDb implements AutoCloseable {
    public static final Region REGION = Region.US_EAST_1;

    /** Where DynamoDB Local listens: loopback only, whatever address the rest of the server is exposed on. */
    public static final String HOST = "127.0.0.1";

    private final Server server;
    private final LocalDynamoDBServerHandler handler;
    private final URI endpoint;
    private final Path dataDir;
    private final boolean scratch;
    private final List<AutoCloseable> clients = new ArrayList<>();

    /**
     * What {@code ServerRunner.createServer} builds (a {@code LocalDynamoDBServerHandler} over a
     * {@code LocalDynamoDBRequestHandler}, in a context handler collection), but in a Jetty server
     * whose one connector listens on {@link #HOST}: {@code DynamoDBProxyServer} makes a
     * {@code new Server(port)}, which listens on every interface and has no option to say otherwise.
     * Nobody outside this machine needs the ledger's database, and DynamoDB Local checks no
     * credentials. Telemetry is never configured here, so it stays off (no Pinpoint call, no
     * metadata file in the working directory). {@code dbPath} null means in memory.
     */
    private LocalDynamoDb(String dbPath, int port, Path dataDir, boolean scratch) {
        this.dataDir = dataDir;
        this.scratch = scratch;
        Server jetty = null;
        LocalDynamoDBServerHandler h = null;
        try {
            // (port, inMemory, dbPath, sharedDb, delayTransientStatuses); the port argument is unused
            h = new LocalDynamoDBServerHandler(new LocalDynamoDBRequestHandler(0, dbPath == null, dbPath,
                    dbPath != null, false), null);
            jetty = new Server();
            ServerConnector connector = new ServerConnector(jetty);
            connector.setHost(HOST);
            connector.setPort(port);
            jetty.addConnector(connector);
            ContextHandler context = new ContextHandler();
            context.setHandler(h);
            jetty.setHandler(new LoopbackHostOnly(new ContextHandlerCollection(context)));
            jetty.start();
            this.server = jetty;
            this.handler = h;
            this.endpoint = URI.create("http://" + HOST + ":" + connector.getLocalPort());
        } catch (Exception e) {
            stopQuietly(jetty, h);
            throw new IllegalStateException("could not start DynamoDB Local on " + HOST + ":" + port + ": "
                    + e.getMessage() + (port != 0 ? " (is the port in use? pass 0 for any free port)" : ""), e);
        }
    }

    /**
     * Refuses a request whose {@code Host} names anything but loopback (403). Binding to 127.0.0.1
     * keeps other machines out, but a web page can still reach it through DNS rebinding (a name of
     * the attacker's that resolves to 127.0.0.1): the browser then sends that name as the Host.
     * The SDK clients send {@code 127.0.0.1:PORT}; tools given {@code http://localhost:PORT} send
     * {@code localhost:PORT}.
     */
    static final class LoopbackHostOnly extends Handler.Wrapper {
        LoopbackHostOnly(Handler handler) {
            super(handler);
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            String host = request.getHeaders().get(HttpHeader.HOST);
            if (host != null && !loopbackName(host)) {
                Response.writeError(request, response, callback, 403, "DynamoDB Local of tally answers requests for "
                        + HOST + " or localhost only, not for Host " + host);
                return true;
            }
            return super.handle(request, response, callback);
        }

        static boolean loopbackName(String hostHeader) {
            String name = hostHeader.trim().toLowerCase(java.util.Locale.ROOT);
            if (name.startsWith("[")) {
                int end = name.indexOf(']');
                name = end < 0 ? name : name.substring(0, end + 1);
            } else if (name.indexOf(':') >= 0) {
                name = name.substring(0, name.indexOf(':'));
            }
            return name.equals(HOST) || name.equals("localhost") || name.equals("[::1]");
        }
    }

    private static void stopQuietly(Server jetty, LocalDynamoDBServerHandler h) {
        try {
            if (jetty != null) {
                jetty.stop();
            }
        } catch (Exception ignored) {
            // already failing to start: the start error is the one to report
        }
        if (h != null) {
            h.close();
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
        return new LocalDynamoDb(null, 0, scratch, true);
    }

    /** A database kept in {@code dataDir} (created if missing), on {@code port} (0 for a free one). */
    public static LocalDynamoDb persistent(Path dataDir, int port) {
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the data directory " + dataDir + ": " + e.getMessage(), e);
        }
        return new LocalDynamoDb(dataDir.toAbsolutePath().toString(), port, dataDir, false);
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
        DynamoDbClient c = DynamoDbClients.forEndpoint(endpoint, REGION, LongRunningHttp.client());
        clients.add(c);
        return c;
    }

    /** A new DynamoDB Streams client for this server (closed with it). */
    public synchronized DynamoDbStreamsClient streamsClient() {
        DynamoDbStreamsClient c = DynamoDbStreamsClient.builder()
                .httpClient(LongRunningHttp.client())
                .region(REGION)
                .endpointOverride(endpoint)
                .endpointProvider(params -> java.util.concurrent.CompletableFuture.completedFuture(
                        software.amazon.awssdk.endpoints.Endpoint.builder().url(endpoint).build()))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("tallyLocal",
                        "tallyLocalSecret")))
                .build();
        clients.add(c);
        return c;
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
            handler.close();
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
