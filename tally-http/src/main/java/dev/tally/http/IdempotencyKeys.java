package dev.tally.http;

import dev.tally.core.json.JsonCodec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code Idempotency-Key} header of every POST: the first request with a key runs and its
 * answer (status and body) is kept with a hash of its method, path and body; a request with the
 * same key and the same hash gets that answer again (with {@code Idempotency-Replayed: true}) and
 * runs nothing; with another hash it gets 422 {@code idempotency_key_reused}. Answers are kept in an
 * {@link IdempotencyStore} for {@link #RETENTION} at least.
 *
 * <p>The first request with a key <em>claims</em> it before it runs: a concurrent request with the
 * same key and body runs nothing: it waits up to {@link #WAIT_FOR_RUNNING} for the first one's
 * answer and returns it, or gets 409 {@code idempotency_key_in_progress} with {@code Retry-After}.
 * Server errors (5xx) and refusals before anything ran (401, 403, 429) are not recorded: the claim
 * is released and the client retries them. A claim left by a crash expires after {@link #CLAIM}.
 * Whatever is stored, the key also gives the request's commands their command id
 * ({@link #commandId}), and the ledger refuses a second append of it: a command applies once.
 *
 * <p>{@link #withoutAnswers()} keeps only that last part (a host with nowhere to keep answers).
 */
public final class IdempotencyKeys {
    private static final Logger LOG = LoggerFactory.getLogger(IdempotencyKeys.class);
    public static final String HEADER = "Idempotency-Key";
    public static final Duration RETENTION = Duration.ofHours(25);
    /** How long a request's claim on its key holds when it never finishes (a crash). */
    public static final Duration CLAIM = Duration.ofMinutes(2);
    /** How long a request waits for a running one with its key before it is told to retry (409). */
    public static final Duration WAIT_FOR_RUNNING = Duration.ofSeconds(10);
    private static final int MAX_KEY = 255;

    private final IdempotencyStore store;
    private final Clock clock;
    private final Duration waitForRunning;

    public IdempotencyKeys(IdempotencyStore store, Clock clock) {
        this(store, clock, WAIT_FOR_RUNNING);
    }

    public IdempotencyKeys(IdempotencyStore store, Clock clock, Duration waitForRunning) {
        this.store = store;
        this.clock = clock;
        this.waitForRunning = waitForRunning;
    }

    /** Keys that name commands (one application each) but keep no answers. */
    public static IdempotencyKeys withoutAnswers() {
        return new IdempotencyKeys(null, Clock.systemUTC());
    }

    /** Runs a request: once per key (see the class comment); requests without the header just run. */
    public HttpResponse answer(HttpRequest request, Supplier<HttpResponse> run) {
        String key = request.header(HEADER);
        if (key == null || !"POST".equals(request.method())) {
            return run.get();
        }
        if (!validKey(key)) {
            return HttpResponse.error(400, "invalid_idempotency_key", "the Idempotency-Key header must be 1-"
                    + MAX_KEY + " visible ASCII characters (e.g. a UUID)");
        }
        if (store == null) {
            return run.get();
        }
        String hash = requestHash(request.method(), request.path(), request.query(), request.body());
        String claimId = UUID.randomUUID().toString();
        Optional<HttpResponse> answered = claim(key, hash, claimId);
        if (answered.isPresent()) {
            return answered.get();
        }
        HttpResponse response;
        try {
            response = run.get();
        } catch (RuntimeException | Error e) {
            release(key, claimId);
            throw e;
        }
        if (recorded(response.status())) {
            record(key, hash, response, claimId);
        } else {
            release(key, claimId);
        }
        return response;
    }

    /**
     * Claims the key for this request; empty when it did. Otherwise the answer to give: the
     * recorded one again, 422 for another request under the key, or 409 while the first one runs.
     */
    private Optional<HttpResponse> claim(String key, String hash, String claimId) {
        long waitUntil = System.nanoTime() + waitForRunning.toNanos();
        for (int attempt = 0; attempt < 3; attempt++) {
            Instant now = clock.instant();
            IdempotencyStore.Claim c = store.claim(key, hash, claimId, now, now.plus(CLAIM), now.plus(RETENTION));
            if (c.claimed()) {
                return Optional.empty();
            }
            IdempotencyStore.Entry stored = c.holder() != null ? c.holder() : store.find(key, now).orElse(null);
            if (stored == null) {
                continue; // released or expired in between: claim again
            }
            if (!hash.equals(stored.requestHash())) {
                return Optional.of(HttpResponse.error(422, "idempotency_key_reused", "the Idempotency-Key '" + key
                        + "' was used at " + stored.createdAt() + " for another request (method, path or body differ);"
                        + " use a new key for a new request"));
            }
            if (stored.done()) {
                return Optional.of(replay(stored.answer()));
            }
            // the first request with this key is still running: wait a little for its answer
            Optional<IdempotencyStore.Entry> done = awaitAnswer(key, waitUntil);
            if (done.isPresent()) {
                return Optional.of(replay(done.get().answer()));
            }
            if (store.find(key, clock.instant()).isEmpty()) {
                continue; // released (a 5xx) or expired while we waited: this request may run
            }
            return Optional.of(HttpResponse.error(409, "idempotency_key_in_progress", "a request with the"
                    + " Idempotency-Key '" + key + "' is still running; retry in a moment with the same key to get its"
                    + " answer").withHeader("Retry-After", "1"));
        }
        return Optional.of(HttpResponse.error(409, "idempotency_key_in_progress", "the Idempotency-Key '" + key
                + "' changed hands three times while this request waited; retry in a moment with the same key")
                .withHeader("Retry-After", "1"));
    }

    private static HttpResponse replay(IdempotencyStore.Answer a) {
        return HttpResponse.of(a.status(), a.contentType(), a.body().getBytes(StandardCharsets.UTF_8))
                .withHeader("Idempotency-Replayed", "true");
    }

    /** Polls the key until its answer is recorded (present) or the wait is over or the claim went (empty). */
    private Optional<IdempotencyStore.Entry> awaitAnswer(String key, long waitUntil) {
        while (System.nanoTime() < waitUntil) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
            Optional<IdempotencyStore.Entry> item = store.find(key, clock.instant());
            if (item.isEmpty()) {
                return Optional.empty();
            }
            if (item.get().done()) {
                return item;
            }
        }
        return Optional.empty();
    }

    private void record(String key, String hash, HttpResponse response, String claimId) {
        Instant now = clock.instant();
        try {
            // replaces our own claim only: a claim that expired and was taken over keeps the newer request's
            if (!store.record(key, hash, claimId, new IdempotencyStore.Answer(response.status(), response.contentType(),
                    response.bodyText()), now, now.plus(RETENTION))) {
                LOG.warn("idempotency key {}: the request outlived its claim ({}), its answer is not recorded", key,
                        CLAIM);
            }
        } catch (RuntimeException e) {
            // the answer goes out anyway; the claim expires and a retry with the key runs again, and its
            // commands, carrying the key's command id, are not applied twice
            LOG.warn("could not record the answer for idempotency key {}: {}", key, e.toString());
        }
    }

    private void release(String key, String claimId) {
        try {
            store.release(key, claimId);
        } catch (RuntimeException e) {
            LOG.warn("could not release idempotency key {} (it frees itself after {}): {}", key, CLAIM, e.toString());
        }
    }

    /** The command id a request's key gives its commands (empty without the header or with an invalid one). */
    public static Optional<String> commandId(HttpRequest request) {
        String key = request.header(HEADER);
        if (key == null || !validKey(key)) {
            return Optional.empty();
        }
        return Optional.of("http:" + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(digest().digest(key.getBytes(StandardCharsets.UTF_8))));
    }

    private static boolean recorded(int status) {
        return status < 500 && status != 401 && status != 403 && status != 429;
    }

    private static boolean validKey(String key) {
        if (key.isEmpty() || key.length() > MAX_KEY) {
            return false;
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    static String requestHash(String method, String path, String query, byte[] body) {
        MessageDigest d = digest();
        d.update((method + " " + path + (query == null ? "" : "?" + query) + "\n").getBytes(StandardCharsets.UTF_8));
        d.update(body);
        return HexFormat.of().formatHex(d.digest());
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }
}
