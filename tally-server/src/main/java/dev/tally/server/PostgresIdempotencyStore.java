package dev.tally.server;

import dev.tally.http.IdempotencyStore;
import dev.tally.postgres.PostgresIdempotencyKeys;
import java.time.Instant;
import java.util.Optional;

/** The answers under Idempotency-Keys in PostgreSQL ({@link PostgresIdempotencyKeys}, migration V7). */
final class PostgresIdempotencyStore implements IdempotencyStore {
    private final PostgresIdempotencyKeys keys;

    PostgresIdempotencyStore(PostgresIdempotencyKeys keys) {
        this.keys = keys;
    }

    @Override
    public Claim claim(String key, String hash, String claimId, Instant now, Instant claimedUntil, Instant expiresAt) {
        return keys.claim(key, hash, claimId, now, claimedUntil, expiresAt).map(held -> new Claim(false, entry(held)))
                .orElse(Claim.CLAIMED);
    }

    @Override
    public Optional<Entry> find(String key, Instant now) {
        return keys.find(key, now).map(PostgresIdempotencyStore::entry);
    }

    @Override
    public boolean record(String key, String hash, String claimId, Answer answer, Instant now, Instant expiresAt) {
        return keys.record(key, claimId, new PostgresIdempotencyKeys.Answer(answer.status(), answer.contentType(),
                answer.body()), now, expiresAt);
    }

    @Override
    public void release(String key, String claimId) {
        keys.release(key, claimId);
    }

    private static Entry entry(PostgresIdempotencyKeys.StoredKey k) {
        return new Entry(k.requestHash(), k.createdAt(), k.claimId(), k.answer()
                .map(a -> new Answer(a.status(), a.contentType(), a.body())).orElse(null));
    }
}
