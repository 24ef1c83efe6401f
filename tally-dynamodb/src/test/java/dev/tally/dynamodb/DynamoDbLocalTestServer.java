package dev.tally.dynamodb;

import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * One in-memory DynamoDB Local per test JVM, on a free port, reached over real HTTP with the
 * same client Lambda uses. Shared through this module's test-jar; the JVM's exit stops it.
 */
public final class DynamoDbLocalTestServer {
    private static DynamoDBProxyServer server;
    private static URI endpoint;
    private static DynamoDbClient client;

    private DynamoDbLocalTestServer() {
    }

    public static synchronized URI endpoint() {
        // the free port is released before DynamoDB Local binds it, and another process may take it in
        // between: then try another one
        for (int attempt = 1; server == null; attempt++) {
            DynamoDBProxyServer starting = null;
            try {
                int port = freePort();
                System.setProperty("aws.dynamodb.local.telemetry", "false");
                starting = ServerRunner.createServerFromCommandLineArgs(new String[] {
                        "-inMemory", "-disableTelemetry", "-port", Integer.toString(port)});
                starting.start();
                server = starting;
                endpoint = URI.create("http://127.0.0.1:" + port);
            } catch (Exception e) {
                stopQuietly(starting);
                if (attempt == 3) {
                    throw new IllegalStateException("could not start DynamoDB Local: " + e, e);
                }
            }
        }
        return endpoint;
    }

    public static synchronized DynamoDbClient client() {
        if (client == null) {
            client = DynamoDbClients.forEndpoint(endpoint(), Region.US_EAST_1);
        }
        return client;
    }

    private static void stopQuietly(DynamoDBProxyServer starting) {
        if (starting != null) {
            try {
                starting.stop();
            } catch (Exception ignored) {
                // it did not start
            }
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
