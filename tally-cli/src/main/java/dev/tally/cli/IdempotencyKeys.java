package dev.tally.cli;

import com.sun.net.httpserver.HttpExchange;
import dev.tally.core.EventMetadata;
import dev.tally.core.json.JsonCodec;
import dev.tally.dynamodb.DynamoDbTables;
import dev.tally.dynamodb.TableDefinitions;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;

/**
 * The {@code Idempotency-Key} header of every POST: the first request with a key runs and its
 * answer (status and body) is kept with a hash of its method, path and body; a request with the
 * same key and the same hash gets that answer again and runs nothing; with another hash it gets
 * 422 {@code idempotency_key_reused}. Answers are kept in a DynamoDB table next to the ledger
 * ({@value #TABLE}), so they survive a restart, for {@link #RETENTION} at least (the table's TTL
 * attribute {@code expiresAt} lets DynamoDB delete them after that).
 *
 * <p>The first request with a key <em>claims</em> it before it runs (a conditional write of a
 * "running" item): a concurrent request with the same key and body runs nothing: it waits up to
 * {@link #WAIT_FOR_RUNNING} for the first one's answer and returns it, or gets 409
 * {@code idempotency_key_in_progress} with {@code Retry-After} when the first one takes longer. So
 * no route runs twice for one key, commands or not. The answer replaces the claim when the request is done.
 * Server errors (5xx) and refusals before anything ran (401, 403, 429) are not recorded: the claim
 * is released and the client retries them. A claim left by a crash expires after {@link #CLAIM}
 * and the key can be used again (its commands still apply once: the key also gives them their
 * command id, {@link #commandId}, and the ledger refuses a second append of it).
 */
final class IdempotencyKeys {
    private static final Logger LOG = LoggerFactory.getLogger(IdempotencyKeys.class);
    static final String HEADER = "Idempotency-Key";
    static final String TABLE = "tally-idempotency";
    static final Duration RETENTION = Duration.ofHours(25);
    /** How long a request's claim on its key holds when it never finishes (a crash). */
    static final Duration CLAIM = Duration.ofMinutes(2);
    private static final int MAX_KEY = 255;
    private static final int MAX_READ = 1024 * 1024;

    /** How long a request waits for a running one with its key before it is told to retry (409). */
    static final Duration WAIT_FOR_RUNNING = Duration.ofSeconds(10);

    private final DynamoDbClient client;
    private final Clock clock;
    private final Duration waitForRunning;

    IdempotencyKeys(DynamoDbClient client, Clock clock) {
        this(client, clock, WAIT_FOR_RUNNING);
    }

    IdempotencyKeys(DynamoDbClient client, Clock clock, Duration waitForRunning) {
        this.client = client;
        this.clock = clock;
        this.waitForRunning = waitForRunning;
        DynamoDbTables.createIfMissing(client, TableDefinitions.keyValue(TABLE));
    }

    /** Runs a request: once per key (see the class comment); requests without the header just run. */
    HttpApi.Response answer(HttpExchange x, java.util.function.Supplier<HttpApi.Response> run) throws IOException {
        String key = x.getRequestHeaders().getFirst(HEADER);
        if (key == null || !"POST".equals(x.getRequestMethod())) {
            return run.get();
        }
        if (!validKey(key)) {
            return HttpApi.Response.json(400, JsonCodec.object().put("error", "invalid_idempotency_key")
                    .put("message", "the Idempotency-Key header must be 1-" + MAX_KEY + " visible ASCII characters"
                            + " (e.g. a UUID)"));
        }
        byte[] body;
        try (InputStream in = x.getRequestBody()) {
            body = in.readNBytes(MAX_READ);
        }
        x.setStreams(new ByteArrayInputStream(body), null); // the route reads it again
        String hash = requestHash(x.getRequestMethod(), x.getRequestURI().getRawPath(), x.getRequestURI().getRawQuery(),
                body);
        String claimId = UUID.randomUUID().toString();
        Optional<HttpApi.Response> answered = claim(x, key, hash, claimId);
        if (answered.isPresent()) {
            return answered.get();
        }
        HttpApi.Response response;
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
    private Optional<HttpApi.Response> claim(HttpExchange x, String key, String hash, String claimId) {
        long waitUntil = System.nanoTime() + waitForRunning.toNanos();
        for (int attempt = 0; attempt < 3; attempt++) {
            Instant now = clock.instant();
            Map<String, AttributeValue> item = new HashMap<>();
            item.put("pk", AttributeValue.fromS(key));
            item.put("state", AttributeValue.fromS("running"));
            item.put("claimId", AttributeValue.fromS(claimId));
            item.put("claimedUntil", AttributeValue.fromN(Long.toString(now.plus(CLAIM).getEpochSecond())));
            item.put("requestHash", AttributeValue.fromS(hash));
            item.put("createdAt", AttributeValue.fromS(now.toString()));
            item.put("expiresAt", AttributeValue.fromN(Long.toString(now.plus(RETENTION).getEpochSecond())));
            try {
                client.putItem(PutItemRequest.builder().tableName(TABLE).item(item)
                        .conditionExpression("attribute_not_exists(pk) OR expiresAt < :now"
                                + " OR (#state = :running AND claimedUntil < :now)")
                        .expressionAttributeNames(Map.of("#state", "state"))
                        .expressionAttributeValues(Map.of(":now", AttributeValue.fromN(Long.toString(now.getEpochSecond())),
                                ":running", AttributeValue.fromS("running")))
                        .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                        .build());
                return Optional.empty();
            } catch (ConditionalCheckFailedException taken) {
                Map<String, AttributeValue> stored = taken.hasItem() && !taken.item().isEmpty() ? taken.item()
                        : find(key).orElse(null);
                if (stored == null) {
                    continue; // released or expired in between: claim again
                }
                if (!hash.equals(stored.get("requestHash").s())) {
                    return Optional.of(HttpApi.Response.json(422, JsonCodec.object().put("error", "idempotency_key_reused")
                            .put("message", "the Idempotency-Key '" + key + "' was used at " + stored.get("createdAt").s()
                                    + " for another request (method, path or body differ); use a new key for a new"
                                    + " request")));
                }
                if (stored.containsKey("status")) {
                    return Optional.of(replay(x, stored));
                }
                // the first request with this key is still running: wait a little for its answer
                Optional<Map<String, AttributeValue>> done = awaitAnswer(key, waitUntil);
                if (done.isPresent()) {
                    return Optional.of(replay(x, done.get()));
                }
                if (find(key).isEmpty()) {
                    continue; // released (a 5xx) or expired while we waited: this request may run
                }
                x.getResponseHeaders().set("Retry-After", "1");
                return Optional.of(HttpApi.Response.json(409, JsonCodec.object().put("error", "idempotency_key_in_progress")
                        .put("message", "a request with the Idempotency-Key '" + key + "' is still running; retry in a"
                                + " moment with the same key to get its answer")));
            }
        }
        x.getResponseHeaders().set("Retry-After", "1");
        return Optional.of(HttpApi.Response.json(409, JsonCodec.object().put("error", "idempotency_key_in_progress")
                .put("message", "the Idempotency-Key '" + key + "' changed hands three times while this request waited;"
                        + " retry in a moment with the same key")));
    }

    private static HttpApi.Response replay(HttpExchange x, Map<String, AttributeValue> stored) {
        x.getResponseHeaders().set("Idempotency-Replayed", "true");
        return new HttpApi.Response(Integer.parseInt(stored.get("status").n()), stored.get("contentType").s(),
                stored.get("body").s().getBytes(StandardCharsets.UTF_8));
    }

    /** Polls the key until its answer is recorded (present) or the wait is over or the claim went (empty). */
    private Optional<Map<String, AttributeValue>> awaitAnswer(String key, long waitUntil) {
        while (System.nanoTime() < waitUntil) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
            Optional<Map<String, AttributeValue>> item = find(key);
            if (item.isEmpty()) {
                return Optional.empty();
            }
            if (item.get().containsKey("status")) {
                return item;
            }
        }
        return Optional.empty();
    }

    /** The command id a request's key gives its commands (empty without the header). */
    static Optional<String> commandId(HttpExchange x) {
        String key = x.getRequestHeaders().getFirst(HEADER);
        if (key == null || !validKey(key)) {
            return Optional.empty();
        }
        return Optional.of("http:" + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(sha256(key.getBytes(StandardCharsets.UTF_8))));
    }

    /** The metadata a request's commands carry: its command id, if it has a key, and its correlation. */
    static EventMetadata metadata(HttpExchange x) {
        return RequestTelemetry.enrich(commandId(x).map(id -> EventMetadata.empty().withCommandId(id))
                .orElse(EventMetadata.empty()));
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

    private Optional<Map<String, AttributeValue>> find(String key) {
        Map<String, AttributeValue> item = client.getItem(GetItemRequest.builder().tableName(TABLE)
                .consistentRead(true).key(Map.of("pk", AttributeValue.fromS(key))).build()).item();
        if (item == null || item.isEmpty()) {
            return Optional.empty();
        }
        long expires = Long.parseLong(item.get("expiresAt").n());
        if (expires < clock.instant().getEpochSecond()) {
            return Optional.empty(); // past its retention: DynamoDB's TTL deletes it when it gets to it
        }
        return Optional.of(item);
    }

    private void record(String key, String hash, HttpApi.Response response, String claimId) {
        Instant now = clock.instant();
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("pk", AttributeValue.fromS(key));
        item.put("state", AttributeValue.fromS("done"));
        item.put("requestHash", AttributeValue.fromS(hash));
        item.put("status", AttributeValue.fromN(Integer.toString(response.status())));
        item.put("contentType", AttributeValue.fromS(response.contentType()));
        item.put("body", AttributeValue.fromS(new String(response.body(), StandardCharsets.UTF_8)));
        item.put("createdAt", AttributeValue.fromS(now.toString()));
        item.put("expiresAt", AttributeValue.fromN(Long.toString(now.plus(RETENTION).getEpochSecond())));
        try {
            // replaces our own claim only: a claim that expired and was taken over keeps the newer request's
            client.putItem(PutItemRequest.builder().tableName(TABLE).item(item)
                    .conditionExpression("claimId = :mine")
                    .expressionAttributeValues(Map.of(":mine", AttributeValue.fromS(claimId)))
                    .build());
        } catch (ConditionalCheckFailedException lost) {
            LOG.warn("idempotency key {}: the request outlived its claim ({}), its answer is not recorded", key, CLAIM);
        } catch (RuntimeException e) {
            // the answer goes out anyway; the claim expires and a retry with the key runs again, and its
            // commands, carrying the key's command id, are not applied twice
            LOG.warn("could not record the answer for idempotency key {}: {}", key, e.toString());
        }
    }

    /** Lets the key be used again (the request was not recorded: a retry should run). */
    private void release(String key, String claimId) {
        try {
            client.deleteItem(DeleteItemRequest.builder().tableName(TABLE)
                    .key(Map.of("pk", AttributeValue.fromS(key)))
                    .conditionExpression("claimId = :mine")
                    .expressionAttributeValues(Map.of(":mine", AttributeValue.fromS(claimId)))
                    .build());
        } catch (ConditionalCheckFailedException notOurs) {
            LOG.debug("idempotency key {}: claim already taken over", key);
        } catch (RuntimeException e) {
            LOG.warn("could not release idempotency key {} (it frees itself after {}): {}", key, CLAIM, e.toString());
        }
    }

    static String requestHash(String method, String path, String query, byte[] body) {
        MessageDigest d = digest();
        d.update((method + " " + path + (query == null ? "" : "?" + query) + "\n").getBytes(StandardCharsets.UTF_8));
        d.update(body);
        return HexFormat.of().formatHex(d.digest());
    }

    private static byte[] sha256(byte[] bytes) {
        return digest().digest(bytes);
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }
}
