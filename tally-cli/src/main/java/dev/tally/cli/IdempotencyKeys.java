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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;

/**
 * The {@code Idempotency-Key} header of every POST: the first request with a key runs and its
 * answer (status and body) is kept with a hash of its method, path and body; a request with the
 * same key and the same hash gets that answer again and runs nothing; with another hash it gets
 * 422 {@code idempotency_key_reused}. Answers are kept in a DynamoDB table next to the ledger
 * ({@value #TABLE}), so they survive a restart, for {@link #RETENTION} at least (the table's TTL
 * attribute {@code expiresAt} lets DynamoDB delete them after that).
 *
 * <p>Answers are recorded after the request ran, so two concurrent requests with one key may both
 * run: commands are still applied once, because the key also gives the command its id
 * ({@link #commandId}) and the ledger refuses a second append of it. Server errors (5xx) and
 * refusals before anything ran (401, 403, 429) are not recorded: the client retries them.
 */
final class IdempotencyKeys {
    private static final Logger LOG = LoggerFactory.getLogger(IdempotencyKeys.class);
    static final String HEADER = "Idempotency-Key";
    static final String TABLE = "tally-idempotency";
    static final Duration RETENTION = Duration.ofHours(25);
    private static final int MAX_KEY = 255;
    private static final int MAX_READ = 1024 * 1024;

    private final DynamoDbClient client;
    private final Clock clock;

    IdempotencyKeys(DynamoDbClient client, Clock clock) {
        this.client = client;
        this.clock = clock;
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
        Optional<Map<String, AttributeValue>> stored = find(key);
        if (stored.isPresent()) {
            Map<String, AttributeValue> item = stored.get();
            if (!hash.equals(item.get("requestHash").s())) {
                return HttpApi.Response.json(422, JsonCodec.object().put("error", "idempotency_key_reused")
                        .put("message", "the Idempotency-Key '" + key + "' was used at " + item.get("createdAt").s()
                                + " for another request (method, path or body differ); use a new key for a new"
                                + " request"));
            }
            x.getResponseHeaders().set("Idempotency-Replayed", "true");
            return new HttpApi.Response(Integer.parseInt(item.get("status").n()), item.get("contentType").s(),
                    item.get("body").s().getBytes(StandardCharsets.UTF_8));
        }
        HttpApi.Response response = run.get();
        if (recorded(response.status())) {
            record(key, hash, response);
        }
        return response;
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

    private void record(String key, String hash, HttpApi.Response response) {
        Instant now = clock.instant();
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("pk", AttributeValue.fromS(key));
        item.put("requestHash", AttributeValue.fromS(hash));
        item.put("status", AttributeValue.fromN(Integer.toString(response.status())));
        item.put("contentType", AttributeValue.fromS(response.contentType()));
        item.put("body", AttributeValue.fromS(new String(response.body(), StandardCharsets.UTF_8)));
        item.put("createdAt", AttributeValue.fromS(now.toString()));
        item.put("expiresAt", AttributeValue.fromN(Long.toString(now.plus(RETENTION).getEpochSecond())));
        try {
            // the first answer stays: a concurrent request with the same key answered the same way
            // (its commands carried the same command id) or is refused for another body
            client.putItem(PutItemRequest.builder().tableName(TABLE).item(item)
                    .conditionExpression("attribute_not_exists(pk) OR expiresAt < :now")
                    .expressionAttributeValues(Map.of(":now", AttributeValue.fromN(Long.toString(now.getEpochSecond()))))
                    .build());
        } catch (ConditionalCheckFailedException alreadyRecorded) {
            LOG.debug("idempotency key {} was recorded by a concurrent request", key);
        } catch (RuntimeException e) {
            // the answer goes out anyway; a retry with the key runs again and its commands, carrying
            // the key's command id, are not applied twice
            LOG.warn("could not record the answer for idempotency key {}: {}", key, e.toString());
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
