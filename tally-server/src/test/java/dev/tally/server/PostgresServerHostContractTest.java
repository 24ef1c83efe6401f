package dev.tally.server;

import dev.tally.core.internal.Chaos;
import dev.tally.testing.http.HostContract;
import dev.tally.testing.http.LibraryApp;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The server hosts a pipeline, not an engine: the same {@link TallyServer} on the
 * PostgreSQL pipeline ({@link PostgresServeEngine}, a throwaway embedded server) keeps the same HTTP
 * contract, over real HTTP.
 */
class PostgresServerHostContractTest extends HostContract {
    private static TallyServer server;

    @BeforeAll
    static void start() {
        server = TallyServer.start(new TallyServer.Settings(null, TallyServer.HOST, 0, null, Chaos.NONE,
                List.of(new LibraryApp())), PostgresServeEngine.factory(null, null, Map.of()), line -> { });
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Override
    protected Answer send(String method, String path, Map<String, String> headers, String body) {
        return TallyServerHostContractTest.over(server, method, path, headers, body);
    }

    @Override
    protected void awaitViews(String bookId) {
        if (!server.awaitQuiet(VIEW_WAIT)) {
            throw new AssertionError("the pipeline did not settle within " + VIEW_WAIT);
        }
    }
}
