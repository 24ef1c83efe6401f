package dev.tally.cli;

import static dev.tally.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code tally serve --in-memory} on a free port (the shared one), driven over HTTP like any client. */
class ServeApiIT {
    static Http http;

    @BeforeAll
    static void start() throws Exception {
        http = new Http(SharedServe.of(SharedServe.Engine.IN_MEMORY).url());
    }

    @Test
    void twoHundredParallelDebitsAgainstOneHundredExactlyOneHundredWin() throws Exception {
        assertThat(http.post("/api/accounts/race/credit", "{\"amount\": 100}").status()).isEqualTo(200);
        List<CompletableFuture<Http.Answer>> debits = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            debits.add(http.postAsync("/api/accounts/race/debit", "{\"amount\": 1}"));
        }
        Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
        for (CompletableFuture<Http.Answer> d : debits) {
            Http.Answer a = d.get(3, TimeUnit.MINUTES);
            statuses.merge(a.status(), 1, Integer::sum);
            if (a.status() == 422) {
                assertThat(a.json().get("error").asText()).isEqualTo("insufficient_funds");
                assertThat(a.message()).contains("balance is 0");
            }
        }
        assertThat(statuses).containsExactlyInAnyOrderEntriesOf(Map.of(200, 100, 422, 100));
        eventually(() -> {
            try {
                Http.Answer view = http.get("/api/accounts/race");
                assertThat(view.json().get("balance").asLong()).isZero();
                assertThat(view.json().get("version").asLong()).isEqualTo(101);
                assertThat(view.json().get("lastTransaction").get("type").asText()).isEqualTo("debit");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(http.get("/api/accounts/race/events").json().get("events")).hasSize(101);
    }

    @Test
    void fiveHundredParallelIncrementsAllCount() throws Exception {
        List<CompletableFuture<Http.Answer>> increments = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            increments.add(http.postAsync("/api/counters/hits/increment", null));
        }
        for (CompletableFuture<Http.Answer> f : increments) {
            assertThat(f.get(3, TimeUnit.MINUTES).status()).isEqualTo(200);
        }
        eventually(() -> {
            try {
                Http.Answer c = http.get("/api/counters/hits");
                assertThat(c.json().get("count").asLong()).isEqualTo(500);
                assertThat(c.json().get("version").asLong()).isEqualTo(500);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void everyMalformedRequestGetsA400NamingTheFieldAndAppendsNothing() throws Exception {
        assertThat(http.post("/api/accounts/steady/credit", "{\"amount\": 500}").status()).isEqualTo(200);
        record Bad(String path, String body, String names) {
        }
        String tooLong = "x".repeat(65);
        List<Bad> bad = List.of(
                new Bad("/api/accounts/steady/debit", "{amount: 5", "JSON"),
                new Bad("/api/accounts/steady/debit", "", "JSON"),
                new Bad("/api/accounts/steady/debit", "[1]", "JSON object"),
                new Bad("/api/accounts/steady/debit", "{}", "'amount'"),
                new Bad("/api/accounts/steady/debit", "{\"amount\": null}", "'amount'"),
                new Bad("/api/accounts/steady/debit", "{\"amount\": 0}", "'amount'"),
                new Bad("/api/accounts/steady/credit", "{\"amount\": -5}", "'amount'"),
                new Bad("/api/accounts/steady/credit", "{\"amount\": 2.5}", "'amount'"),
                new Bad("/api/accounts/steady/credit", "{\"amount\": 1e2}", "'amount'"),
                new Bad("/api/accounts/steady/credit", "{\"amount\": \"ten\"}", "'amount'"),
                new Bad("/api/accounts/steady/credit", "{\"amount\": 99999999999999999999999}", "'amount'"),
                new Bad("/api/accounts/" + tooLong + "/credit", "{\"amount\": 1}", "'id'"),
                new Bad("/api/accounts/" + URLEncoder.encode("bad id!", StandardCharsets.UTF_8) + "/credit",
                        "{\"amount\": 1}", "'id'"),
                new Bad("/api/accounts/" + URLEncoder.encode("é", StandardCharsets.UTF_8) + "/debit",
                        "{\"amount\": 1}", "'id'"),
                new Bad("/api/accounts/%25zz/credit", "{\"amount\": 1}", "'id'"),
                new Bad("/api/accounts/a+b/credit", "{\"amount\": 1}", "'id'"));
        for (Bad b : bad) {
            Http.Answer a = http.post(b.path(), b.body());
            assertThat(a.status()).as("%s %s", b.path(), b.body()).isEqualTo(400);
            assertThat(a.message()).as("%s %s", b.path(), b.body()).contains(b.names());
        }
        assertThat(http.get("/api/accounts/steady/events").json().get("events")).as("the ledger is unchanged")
                .hasSize(1);
        assertThat(http.get("/api/accounts/" + tooLong + "/events").status()).isEqualTo(400);
    }

    @Test
    void readsAndReplaysAnswerAsDocumented() throws Exception {
        assertThat(http.get("/api/accounts/nobody").status()).isEqualTo(404);
        assertThat(http.get("/api/counters/nothing").status()).isEqualTo(404);
        assertThat(http.post("/api/replay/bank-account/nobody", null).status()).isEqualTo(404);
        assertThat(http.post("/api/replay/no-such-store/x", null).status()).isEqualTo(404);
        assertThat(http.get("/api/nothing-here").status()).isEqualTo(404);
        assertThat(http.post("/api/accounts/x", "{}").status()).isEqualTo(405);

        http.post("/api/accounts/rita/credit", "{\"amount\": 300}");
        Http.Answer replay = http.post("/api/replay/bank-account/rita", null);
        assertThat(replay.status()).isEqualTo(200);
        assertThat(replay.json().get("version").asLong()).isEqualTo(2);
        eventually(() -> {
            try {
                Http.Answer view = http.get("/api/accounts/rita");
                assertThat(view.json().get("version").asLong()).isEqualTo(2);
                assertThat(view.json().get("balance").asLong()).isEqualTo(300);
                assertThat(view.json().get("upToDate").asBoolean()).isTrue();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Http.Answer pipeline = http.get("/api/pipeline");
        assertThat(pipeline.json().get("eventsDispatched").asLong()).isPositive();
        assertThat(pipeline.json().get("targets").toString()).contains("balance").contains("last-transaction");
        assertThat(pipeline.json().has("deadLetters")).isTrue();
        assertThat(pipeline.json().get("stream").has("lagMillis")).isTrue();
    }
}
