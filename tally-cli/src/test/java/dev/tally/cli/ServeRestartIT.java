package dev.tally.cli;

import static dev.tally.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Data survives a restart: the ledger and read models are still there and versions continue. */
class ServeRestartIT {

    @Test
    void aRestartKeepsTheLedgerAndReadModelsAndNewWritesContinueTheVersions() throws Exception {
        Path data = Path.of("target", "it-data-" + UUID.randomUUID());
        try (TallyProcess first = TallyProcess.serve("--data", data.toString(), "--port", "0")) {
            Http http = new Http(first.url());
            http.post("/api/accounts/keeper/credit", "{\"amount\": 700}");
            http.post("/api/accounts/keeper/debit", "{\"amount\": 200}");
            http.post("/api/counters/kept/increment", null);
            eventually(() -> assertView(http, 500, 2));
            first.stop();
            assertThat(first.output()).contains("stopping Tally...")
                    .anyMatch(l -> l.startsWith("stopped; data kept in"));
        }
        try (TallyProcess second = TallyProcess.serve("--data", data.toString(), "--port", "0")) {
            Http http = new Http(second.url());
            assertView(http, 500, 2);
            assertThat(http.get("/api/accounts/keeper/events").json().get("events")).hasSize(2);
            assertThat(http.get("/api/counters/kept").json().get("count").asLong()).isEqualTo(1);

            Http.Answer next = http.post("/api/accounts/keeper/credit", "{\"amount\": 1}");
            assertThat(next.json().get("version").asLong()).as("versions continue").isEqualTo(3);
            eventually(() -> assertView(http, 501, 3));
        }
    }

    private static void assertView(Http http, long balance, long version) {
        try {
            Http.Answer view = http.get("/api/accounts/keeper");
            assertThat(view.status()).isEqualTo(200);
            assertThat(view.json().get("balance").asLong()).isEqualTo(balance);
            assertThat(view.json().get("version").asLong()).isEqualTo(version);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
