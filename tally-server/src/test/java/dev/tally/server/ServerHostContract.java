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
import org.junit.jupiter.api.TestInstance;

/**
 * The server hosts a pipeline, not an engine: a {@link TallyServer} serving {@link LibraryApp} on the
 * engine a subclass names keeps the HTTP contract, asked over real HTTP.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ServerHostContract extends HostContract {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private TallyServer server;

    /** The engine the server runs on. */
    protected abstract ServeEngine.Factory engine();

    @BeforeAll
    void start() {
        server = TallyServer.start(new TallyServer.Settings(null, TallyServer.HOST, 0, null, Chaos.NONE,
                List.of(new LibraryApp())), engine(), line -> { });
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Override
    protected Answer send(String method, String path, Map<String, String> headers, String body) {
        return over(server, method, path, headers, body);
    }

    @Override
    protected void awaitViews(String bookId) {
        if (!server.awaitQuiet(VIEW_WAIT)) {
            throw new AssertionError("the pipeline did not settle within " + VIEW_WAIT);
        }
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
}
