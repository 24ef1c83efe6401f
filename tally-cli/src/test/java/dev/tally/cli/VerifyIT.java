package dev.tally.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.runtime.Chaos;
import dev.tally.core.runtime.TargetStats;
import dev.tally.examples.bank.BankProjections;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code tally verify [--repair]} against a running server whose views were made stale on purpose:
 * it lists exactly those, and --repair sends one message per stale view to that projection only.
 */
class VerifyIT {

    @Test
    void verifyFindsViewsMadeStaleOnPurposeAndRepairFixesThemWithOneMessageEach() throws Exception {
        try (TallyServer server = TallyServer.start(new TallyServer.Settings(null, TallyServer.HOST, 0, null,
                Chaos.NONE), line -> { })) {
            Http http = new Http(server.url());
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

            server.bank().balances().delete("ben");
            server.bank().balances().delete("cat");
            server.bank().lastTransactions().delete("cat");
            server.counts().delete("visits");

            TallyProcess.Finished found = TallyProcess.run(Map.of(), "verify", "--url", url);
            assertThat(found.exitCode()).as(found.output()).isEqualTo(VerifyCommand.STALE);
            assertThat(found.output()).contains(": 4 stale").contains("tally verify --repair")
                    .containsPattern("balance\\s+ben\\s+view v0, ledger v2")
                    .containsPattern("last-transaction\\s+cat\\s+view v0, ledger v2")
                    .containsPattern("count\\s+visits\\s+view v0, ledger v1");

            long balance = delivered(server, BankProjections.BALANCE);
            long lastMonth = delivered(server, BankProjections.LAST_MONTH_BALANCE);
            TallyProcess.Finished repaired = TallyProcess.run(Map.of(), "verify", "--repair", "--url", url);
            assertThat(repaired.exitCode()).as(repaired.output()).isZero();
            assertThat(repaired.output()).contains(": 4 stale, 4 repair messages sent");
            assertThat(server.awaitQuiet(Duration.ofSeconds(30))).isTrue();
            assertThat(delivered(server, BankProjections.BALANCE) - balance).isEqualTo(2);
            assertThat(delivered(server, BankProjections.LAST_MONTH_BALANCE) - lastMonth).isZero();

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
        return server.pipeline().stats().targets().stream().filter(t -> t.target().equals(target))
                .mapToLong(TargetStats::delivered).sum();
    }
}
