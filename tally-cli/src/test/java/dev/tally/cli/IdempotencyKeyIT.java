package dev.tally.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The Idempotency-Key header through real HTTP against the packaged jar: a repeated request gets
 * the original answer and appends nothing, also after a restart; the key with another body is 422
 * idempotency_key_reused; concurrent requests with one key apply once.
 */
class IdempotencyKeyIT {

    @Test
    void aRepeatedKeyAnswersAsTheFirstTimeAndAppendsNothingAlsoAfterARestart() throws Exception {
        Path data = Path.of("target", "it-data-" + UUID.randomUUID());
        String credit = "key-credit-" + UUID.randomUUID();
        String debit = "key-debit-" + UUID.randomUUID();
        Http.Answer firstCredit;
        Http.Answer firstDebit;
        try (TallyProcess first = TallyProcess.serveOn(data)) {
            Http http = new Http(first.url());
            firstCredit = http.postWithKey("/api/accounts/idem/credit", "{\"amount\": 700}", credit);
            assertThat(firstCredit.status()).isEqualTo(200);
            Http.Answer again = http.postWithKey("/api/accounts/idem/credit", "{\"amount\": 700}", credit);
            assertThat(again.statusAndBody()).isEqualTo(firstCredit.statusAndBody());
            assertThat(again.headers().firstValue("Idempotency-Replayed")).contains("true");
            assertThat(events(http, "idem")).isEqualTo(1);

            // another body with the same key is refused, and nothing is appended
            Http.Answer reused = http.postWithKey("/api/accounts/idem/credit", "{\"amount\": 5}", credit);
            assertThat(reused.status()).isEqualTo(422);
            assertThat(reused.json().get("error").asText()).isEqualTo("idempotency_key_reused");
            Http.Answer otherPath = http.postWithKey("/api/accounts/idem/debit", "{\"amount\": 700}", credit);
            assertThat(otherPath.status()).isEqualTo(422);
            assertThat(events(http, "idem")).isEqualTo(1);

            // a rejection is an answer too: it is kept, even once the debit would now be accepted
            firstDebit = http.postWithKey("/api/accounts/idem/debit", "{\"amount\": 1000}", debit);
            assertThat(firstDebit.status()).isEqualTo(422);
            http.post("/api/accounts/idem/credit", "{\"amount\": 5000}");
            assertThat(http.postWithKey("/api/accounts/idem/debit", "{\"amount\": 1000}", debit).statusAndBody())
                    .isEqualTo(firstDebit.statusAndBody());
            assertThat(events(http, "idem")).isEqualTo(2);
            first.stop();
        }
        try (TallyProcess second = TallyProcess.serveOn(data)) {
            Http http = new Http(second.url());
            assertThat(http.postWithKey("/api/accounts/idem/credit", "{\"amount\": 700}", credit).statusAndBody())
                    .isEqualTo(firstCredit.statusAndBody());
            assertThat(http.postWithKey("/api/accounts/idem/debit", "{\"amount\": 1000}", debit).statusAndBody())
                    .isEqualTo(firstDebit.statusAndBody());
            assertThat(http.postWithKey("/api/accounts/idem/credit", "{\"amount\": 6}", credit).json().get("error")
                    .asText()).isEqualTo("idempotency_key_reused");
            assertThat(events(http, "idem")).as("nothing appended after the restart").isEqualTo(2);

            // concurrent requests with one new key: every one answers 200, one credit is stored
            String racing = "key-race-" + UUID.randomUUID();
            List<CompletableFuture<Http.Answer>> answers = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                answers.add(http.postAsync("/api/accounts/racing/credit", "{\"amount\": 3}", racing));
            }
            for (CompletableFuture<Http.Answer> a : answers) {
                assertThat(a.get().status()).isEqualTo(200);
                assertThat(a.get().json().get("version").asLong()).isEqualTo(1);
            }
            assertThat(events(http, "racing")).isEqualTo(1);

            // the counter's route and the generic command route honour the key too
            String counter = "key-counter-" + UUID.randomUUID();
            Http.Answer c1 = http.postWithKey("/api/counters/gen/increment", null, counter);
            assertThat(c1.status()).isEqualTo(200);
            assertThat(http.postWithKey("/api/counters/gen/increment", null, counter).statusAndBody())
                    .isEqualTo(c1.statusAndBody());
            String generic = "key-generic-" + UUID.randomUUID();
            Http.Answer g1 = http.postWithKey("/api/stores/bank-account/gen/commands/Credit", "{\"amount\": 9}",
                    generic);
            assertThat(g1.status()).isEqualTo(200);
            assertThat(http.postWithKey("/api/stores/bank-account/gen/commands/Credit", "{\"amount\": 9}", generic)
                    .statusAndBody()).isEqualTo(g1.statusAndBody());
            assertThat(events(http, "gen")).isEqualTo(1);

            assertThat(http.postWithKey("/api/accounts/idem/credit", "{\"amount\": 1}", "has space").status())
                    .isEqualTo(400);
        }
    }

    private static int events(Http http, String account) throws Exception {
        return http.get("/api/accounts/" + account + "/events").json().get("events").size();
    }
}
