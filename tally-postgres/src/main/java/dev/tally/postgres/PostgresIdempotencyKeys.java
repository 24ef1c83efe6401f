package dev.tally.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The HTTP API's idempotency keys on PostgreSQL ({@code <prefix>idempotency_keys}, migration V7),
 * with the rules of the DynamoDB table {@code tally serve} keeps on the local stack: a request
 * <em>claims</em> its key before it runs; a second request finds the claim (still running) or the
 * recorded answer; the answer replaces only the claim it belongs to; a claim past
 * {@code claimedUntil} (its holder died) or a key past {@code expiresAt} may be claimed again.
 * Every step is one statement, so concurrent requests with one key cannot both win the claim.
 */
public final class PostgresIdempotencyKeys {
    /** A key as stored: who claimed it, for which request, and its answer once there is one. */
    public record StoredKey(String key, String requestHash, String claimId, Instant createdAt, Optional<Answer> answer) {
    }

    /** A recorded answer. */
    public record Answer(int status, String contentType, String body) {
        public Answer {
            Objects.requireNonNull(contentType, "contentType");
            Objects.requireNonNull(body, "body");
        }
    }

    private final DataSource dataSource;
    private final PostgresTables tables;
    private final String claim;
    private final String find;
    private final String record;
    private final String release;
    private final String prune;

    public PostgresIdempotencyKeys(DataSource dataSource, PostgresTables tables) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.tables = Objects.requireNonNull(tables, "tables");
        String t = tables.idempotencyKeys();
        this.claim = "INSERT INTO " + t + " AS k (key, state, claim_id, claimed_until, request_hash, created_at,"
                + " expires_at) VALUES (?, 'running', ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET state = 'running',"
                + " claim_id = EXCLUDED.claim_id, claimed_until = EXCLUDED.claimed_until,"
                + " request_hash = EXCLUDED.request_hash, created_at = EXCLUDED.created_at,"
                + " expires_at = EXCLUDED.expires_at, status = NULL, content_type = NULL, body = NULL"
                + " WHERE k.expires_at < EXCLUDED.created_at"
                + " OR (k.state = 'running' AND k.claimed_until < EXCLUDED.created_at) RETURNING k.claim_id";
        this.find = "SELECT request_hash, claim_id, created_at, status, content_type, body FROM " + t
                + " WHERE key = ? AND expires_at >= ?";
        this.record = "UPDATE " + t + " SET state = 'done', status = ?, content_type = ?, body = ?, created_at = ?,"
                + " expires_at = ? WHERE key = ? AND claim_id = ?";
        this.release = "DELETE FROM " + t + " WHERE key = ? AND claim_id = ?";
        this.prune = "DELETE FROM " + t + " WHERE expires_at < ?";
    }

    /**
     * Claims {@code key} for the request whose hash is {@code requestHash}: empty when this call
     * got it, otherwise what holds it (a running claim or a recorded answer, maybe of another request).
     *
     * @param claimedUntil when the claim may be taken over if this request never finishes
     * @param expiresAt    when the key may be used again whatever it holds
     */
    public Optional<StoredKey> claim(String key, String requestHash, String claimId, Instant now,
                                     Instant claimedUntil, Instant expiresAt) {
        for (int attempt = 0; attempt < 3; attempt++) {
            try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(claim)) {
                ps.setString(1, key);
                ps.setString(2, claimId);
                ps.setTimestamp(3, Timestamp.from(claimedUntil));
                ps.setString(4, requestHash);
                ps.setTimestamp(5, Timestamp.from(now));
                ps.setTimestamp(6, Timestamp.from(expiresAt));
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return Optional.empty();
                    }
                }
            } catch (SQLException e) {
                throw SqlErrors.failure("claiming an idempotency key in " + tables.idempotencyKeys(), tables, e);
            }
            Optional<StoredKey> holder = find(key, now);
            if (holder.isPresent()) {
                return holder;
            }
            // released or expired between the two statements: claim again
        }
        throw new PostgresFailure("the idempotency key '" + key + "' changed hands three times while it was claimed;"
                + " retry the request in a moment with the same key");
    }

    /** The key's claim or answer, unless it expired. */
    public Optional<StoredKey> find(String key, Instant now) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(find)) {
            ps.setString(1, key);
            ps.setTimestamp(2, Timestamp.from(now));
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                int status = rs.getInt(4);
                Optional<Answer> answer = rs.wasNull() ? Optional.empty()
                        : Optional.of(new Answer(status, rs.getString(5), rs.getString(6)));
                return Optional.of(new StoredKey(key, rs.getString(1), rs.getString(2), rs.getTimestamp(3).toInstant(),
                        answer));
            }
        } catch (SQLException e) {
            throw SqlErrors.failure("reading an idempotency key in " + tables.idempotencyKeys(), tables, e);
        }
    }

    /**
     * Replaces this request's claim with its answer; false when the claim was taken over (the
     * request outlived it) and nothing was recorded.
     */
    public boolean record(String key, String claimId, Answer answer, Instant now, Instant expiresAt) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(record)) {
            ps.setInt(1, answer.status());
            ps.setString(2, answer.contentType());
            ps.setString(3, answer.body());
            ps.setTimestamp(4, Timestamp.from(now));
            ps.setTimestamp(5, Timestamp.from(expiresAt));
            ps.setString(6, key);
            ps.setString(7, claimId);
            return ps.executeUpdate() == 1;
        } catch (SQLException e) {
            throw SqlErrors.failure("recording the answer of an idempotency key in " + tables.idempotencyKeys(),
                    tables, e);
        }
    }

    /** Lets the key be used again (the request's answer is not kept); false when the claim is not this one's. */
    public boolean release(String key, String claimId) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(release)) {
            ps.setString(1, key);
            ps.setString(2, claimId);
            return ps.executeUpdate() == 1;
        } catch (SQLException e) {
            throw SqlErrors.failure("releasing an idempotency key in " + tables.idempotencyKeys(), tables, e);
        }
    }

    /** Deletes the keys that expired before {@code now}; returns how many. */
    public int prune(Instant now) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(prune)) {
            ps.setTimestamp(1, Timestamp.from(now));
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw SqlErrors.failure("deleting expired idempotency keys from " + tables.idempotencyKeys(), tables, e);
        }
    }
}
