package dev.tally.server;

import dev.tally.core.internal.Chaos;
import dev.tally.testing.http.HostContract;
import dev.tally.testing.http.LibraryApp;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * {@code tally serve}'s host keeps the HTTP contract: a {@link TallyServer} on the local stack
 * (DynamoDB Local in memory, its stream, the local EventBridge) serving {@link LibraryApp}, asked
 * over real HTTP.
 */
class TallyServerHostContractTest extends HostContract {
    private static TallyServer server;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        server = TallyServer.start(new TallyServer.Settings(null, TallyServer.HOST, 0, null, Chaos.NONE,
                List.of(new LibraryApp())), line -> { });
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Override
    protected Answer send(String method, String path, Map<String, String> headers, String body) {
        return over(server, method, path, headers, body);
    }

    /** A request to a running server over real HTTP. */
    static Answer over(TallyServer server, String method, String path, Map<String, String> headers, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + path)).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(b::header);
        try {
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            Map<String, String> h = new LinkedHashMap<>();
            r.headers().map().forEach((k, v) -> h.put(k, v.get(0)));
            return new Answer(r.statusCode(), h, r.body());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    protected void awaitViews(String bookId) {
        if (!server.awaitQuiet(VIEW_WAIT)) {
            throw new AssertionError("the pipeline did not settle within " + VIEW_WAIT);
        }
    }
}
