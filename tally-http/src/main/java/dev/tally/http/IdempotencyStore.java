package dev.tally.http;

import java.time.Instant;
import java.util.Optional;

/**
 * Where the answers given under an {@code Idempotency-Key} are kept ({@link IdempotencyKeys} is the
 * rule): a claim while the first request runs, then its answer. Implementations: in memory, a
 * DynamoDB table (tally serve on DynamoDB Local), a PostgreSQL table.
 */
public interface IdempotencyStore {

    /** What is stored under a key: the hash of its request, when, and the answer once there is one. */
    record Entry(String requestHash, Instant createdAt, String claimId, Answer answer) {
        public boolean done() {
            return answer != null;
        }
    }

    /** A recorded answer. */
    record Answer(int status, String contentType, String body) {
    }

    /** The outcome of a claim: {@code claimed}, or the entry that holds the key (null when it just went). */
    record Claim(boolean claimed, Entry holder) {
        public static final Claim CLAIMED = new Claim(true, null);
    }

    /**
     * Claims {@code key} for a request with {@code hash}: succeeds when the key is free, expired
     * ({@code expiresAt} before {@code now}) or held by a claim that ran out ({@code claimedUntil}
     * before {@code now}); atomic against concurrent claims.
     */
    Claim claim(String key, String hash, String claimId, Instant now, Instant claimedUntil, Instant expiresAt);

    /** The entry under a key, unless absent or past its expiry. */
    Optional<Entry> find(String key, Instant now);

    /** Replaces this request's own claim by its answer; false when the claim was taken over meanwhile. */
    boolean record(String key, String hash, String claimId, Answer answer, Instant now, Instant expiresAt);

    /** Lets the key be used again, if this request still holds it. */
    void release(String key, String claimId);
}
