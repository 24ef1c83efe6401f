package dev.tally.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.internal.Chaos;
import dev.tally.testing.http.HostContract.Answer;
import dev.tally.testing.http.LibraryApp;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An engine that keeps no archive answers the archive route with what to use instead, not a server error. */
class NoArchiveTest {
    @Test
    void theArchiveRouteSaysTheEngineKeepsNoArchive() {
        try (TallyServer server = TallyServer.start(new TallyServer.Settings(null, TallyServer.HOST, 0, null,
                Chaos.NONE, List.of(new LibraryApp())), InMemoryEngine.FACTORY, line -> { })) {
            Answer a = ServerHostContract.over(server, "POST", "/api/ops/stores/book/archive",
                    Map.of("Content-Type", "application/json"), "{\"ids\": [\"b1\"], \"idleDays\": 30}");
            assertThat(a.status()).as(a.body()).isEqualTo(409);
            assertThat(a.body()).contains("no_archive").contains("keeps no archive")
                    .contains("--engine dynamodb-local or postgres");
        }
    }
}
