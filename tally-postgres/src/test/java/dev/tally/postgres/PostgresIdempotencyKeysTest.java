package dev.tally.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.postgres.PostgresIdempotencyKeys.Answer;
import dev.tally.postgres.PostgresIdempotencyKeys.StoredKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PostgresIdempotencyKeysTest {
    static final Instant T0 = Instant.parse("2026-12-07T12:00:00Z");
    static final Duration CLAIM = Duration.ofMinutes(2);
    static final Duration RETENTION = Duration.ofHours(25);

    final PostgresTables tables = TestDatabase.freshTables("idem");
    final PostgresIdempotencyKeys keys = new PostgresIdempotencyKeys(TestDatabase.dataSource(), tables);

    Optional<StoredKey> claim(String key, String hash, String claimId, Instant now) {
        return keys.claim(key, hash, claimId, now, now.plus(CLAIM), now.plus(RETENTION));
    }

    @Test
    void theFirstRequestClaimsTheKeyAndASecondFindsTheClaimThenTheAnswer() {
        assertThat(claim("k1", "h", "c1", T0)).isEmpty();
        StoredKey running = claim("k1", "h", "c2", T0.plusSeconds(1)).orElseThrow();
        assertThat(running.claimId()).isEqualTo("c1");
        assertThat(running.answer()).isEmpty();
        assertThat(keys.record("k1", "c1", new Answer(201, "application/json", "{\"v\":1}"), T0.plusSeconds(2),
                T0.plus(RETENTION))).isTrue();
        StoredKey done = claim("k1", "h", "c3", T0.plusSeconds(3)).orElseThrow();
        assertThat(done.answer()).contains(new Answer(201, "application/json", "{\"v\":1}"));
        assertThat(done.requestHash()).isEqualTo("h");
    }

    @Test
    void anotherRequestUnderTheKeyIsToldByItsHash() {
        claim("k1", "hash-a", "c1", T0);
        assertThat(claim("k1", "hash-b", "c2", T0).orElseThrow().requestHash()).isEqualTo("hash-a");
    }

    @Test
    void aClaimWhoseHolderDiedIsTakenOverAndItsLateAnswerIsNotRecorded() {
        claim("k1", "h", "dead", T0);
        Instant later = T0.plus(CLAIM).plusSeconds(1);
        assertThat(claim("k1", "h", "alive", later)).isEmpty();
        assertThat(keys.record("k1", "dead", new Answer(200, "text/plain", "late"), later, later.plus(RETENTION)))
                .isFalse();
        assertThat(keys.find("k1", later).orElseThrow().claimId()).isEqualTo("alive");
    }

    @Test
    void aReleasedKeyRunsAgainAndAnExpiredOneIsForgottenAndPruned() {
        claim("k1", "h", "c1", T0);
        assertThat(keys.release("k1", "other")).isFalse();
        assertThat(keys.release("k1", "c1")).isTrue();
        assertThat(claim("k1", "h", "c2", T0)).isEmpty();
        keys.record("k1", "c2", new Answer(200, "text/plain", "ok"), T0, T0.plus(RETENTION));
        Instant expired = T0.plus(RETENTION).plusSeconds(1);
        assertThat(keys.find("k1", expired)).isEmpty();
        assertThat(keys.prune(expired)).isEqualTo(1);
        assertThat(claim("k1", "h2", "c3", expired)).isEmpty();
    }

    @Test
    void ofManyConcurrentRequestsWithOneKeyExactlyOneClaimsIt() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Boolean>> won = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            String claimId = "c" + i;
            won.add(pool.submit(() -> {
                start.await();
                return claim("hot", "h", claimId, T0).isEmpty();
            }));
        }
        start.countDown();
        int winners = 0;
        for (Future<Boolean> f : won) {
            winners += f.get(1, TimeUnit.MINUTES) ? 1 : 0;
        }
        pool.shutdown();
        assertThat(winners).isEqualTo(1);
    }
}
