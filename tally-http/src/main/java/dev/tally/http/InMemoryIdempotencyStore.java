package dev.tally.http;

import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** The answers under Idempotency-Keys in memory (a server in memory, tests). */
public final class InMemoryIdempotencyStore implements IdempotencyStore {
    private record Held(Entry entry, Instant claimedUntil, Instant expiresAt) {
    }

    private final ConcurrentHashMap<String, Held> entries = new ConcurrentHashMap<>();

    @Override
    public Claim claim(String key, String hash, String claimId, Instant now, Instant claimedUntil, Instant expiresAt) {
        Held mine = new Held(new Entry(hash, now, claimId, null), claimedUntil, expiresAt);
        Held[] holder = new Held[1];
        entries.compute(key, (k, old) -> {
            if (old == null || old.expiresAt().isBefore(now)
                    || !old.entry().done() && old.claimedUntil().isBefore(now)) {
                return mine;
            }
            holder[0] = old;
            return old;
        });
        return holder[0] == null ? Claim.CLAIMED : new Claim(false, holder[0].entry());
    }

    @Override
    public Optional<Entry> find(String key, Instant now) {
        Held h = entries.get(key);
        return h == null || h.expiresAt().isBefore(now) ? Optional.empty() : Optional.of(h.entry());
    }

    @Override
    public boolean record(String key, String hash, String claimId, Answer answer, Instant now, Instant expiresAt) {
        boolean[] done = new boolean[1];
        entries.computeIfPresent(key, (k, old) -> {
            if (!claimId.equals(old.entry().claimId())) {
                return old;
            }
            done[0] = true;
            return new Held(new Entry(hash, now, claimId, answer), expiresAt, expiresAt);
        });
        return done[0];
    }

    @Override
    public void release(String key, String claimId) {
        entries.computeIfPresent(key, (k, old) -> claimId.equals(old.entry().claimId()) && !old.entry().done()
                ? null : old);
    }
}
