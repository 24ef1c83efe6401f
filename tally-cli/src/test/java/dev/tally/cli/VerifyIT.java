package dev.tally.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.internal.Chaos;
import dev.tally.core.runtime.TargetStats;
import dev.tally.server.TallyServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code tally verify [--repair]} against a running server whose views were made stale on purpose:
 * it lists exactly those, and --repair sends one message per stale view to that projection only.
 */
class VerifyIT {

    @Test
    void verifyFindsViewsMadeStaleOnPurposeAndRepairFixesThemWithOneMessageEach() throws Exception {
        List<Path> apps = new ArrayList<>();
        List<String> args = TallyProcess.exampleApps();
        for (int i = 1; i < args.size(); i += 2) {
            apps.add(Path.of(args.get(i)));
        }
        try (TallyServer server = TallyServer.start(new TallyServer.Settings(null, TallyServer.HOST, 0, null,
                Chaos.NONE, AppLoader.load(apps)), line -> { })) {
            Http http = new Http(server.url());
            http.awaitStartupCheck();
            for (String id : new String[] {"ann", "ben", "cat", "dan"}) {
                http.post("/api/accounts/" + id + "/credit", "{\"amount\": 500}");
                http.post("/api/accounts/" + id + "/debit", "{\"amount\": 120}");
            }
            http.post("/api/counters/visits/increment", "");
            assertThat(server.awaitQuiet(Duration.ofSeconds(30))).isTrue();
            String url = server.url().toString();

            TallyProcess.Finished clean = TallyProcess.run(Map.of(), "verify", "--url", url);
            assertThat(clean.exitCode()).as(clean.output()).isZero();
            assertThat(clean.output()).contains("checked 5 aggregates").contains(": 0 stale");

            server.views("balance").delete("ben");
            server.views("balance").delete("cat");
            server.views("last-transaction").delete("cat");
            server.views("count").delete("visits");

            TallyProcess.Finished found = TallyProcess.run(Map.of(), "verify", "--url", url);
            assertThat(found.exitCode()).as(found.output()).isEqualTo(VerifyCommand.STALE);
            assertThat(found.output()).contains(": 4 stale").contains("tally verify --repair")
                    .containsPattern("balance\\s+ben\\s+view v0, ledger v2")
                    .containsPattern("last-transaction\\s+cat\\s+view v0, ledger v2")
                    .containsPattern("count\\s+visits\\s+view v0, ledger v1");

            long balance = delivered(server, "balance");
            long lastMonth = delivered(server, "last-month-balance");
            TallyProcess.Finished repaired = TallyProcess.run(Map.of(), "verify", "--repair", "--url", url);
            assertThat(repaired.exitCode()).as(repaired.output()).isZero();
            assertThat(repaired.output()).contains(": 4 stale, 4 repair messages sent");
            assertThat(server.awaitQuiet(Duration.ofSeconds(30))).isTrue();
            assertThat(delivered(server, "balance") - balance).isEqualTo(2);
            assertThat(delivered(server, "last-month-balance") - lastMonth).isZero();

            TallyProcess.Finished after = TallyProcess.run(Map.of(), "verify", "--url", url);
            assertThat(after.exitCode()).isZero();
            assertThat(after.output()).contains(": 0 stale");
            assertThat(http.get("/api/accounts/cat").json().get("balance").asLong()).isEqualTo(380);
            assertThat(http.get("/api/counters/visits").json().get("count").asLong()).isEqualTo(1);
            assertThat(http.get("/api/pipeline").json().path("startupCheck").path("state").asText())
                    .isEqualTo("done");
        }
    }

    private static long delivered(TallyServer server, String target) {
        return server.targetStats().stream().filter(t -> t.target().equals(target))
                .mapToLong(TargetStats::delivered).sum();
    }
}
