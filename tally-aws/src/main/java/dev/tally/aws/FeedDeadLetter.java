package dev.tally.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.RecordedEvent;
import dev.tally.core.json.JsonCodec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A ledger event the stream dispatcher gave up on, as the body of an SQS message the dispatcher
 * writes itself (on AWS a stream's on-failure destination carries only shard and sequence
 * metadata, not the record):
 *
 * <pre>{@code
 * {"tally": "dead-letter", "source": {"kind": "feed", "name": "dispatcher"},
 *  "coordinates": {"store": "bank-account", "aggregateId": "alice", "version": 7},
 *  "record": { ...the ledger event, as JsonCodec.eventToJson writes it... },
 *  "error": "...", "attempts": 3, "failedAt": "2026-11-29T20:15:00Z"}
 * }</pre>
 *
 * The record is left out when the body would exceed {@link #MAX_BODY_BYTES}; the coordinates are
 * always there, and a redrive reads the event again from the ledger.
 *
 * <p>A ledger item the dispatcher cannot read at all (see {@link #unreadable}) has no record: the
 * letter carries the item itself instead, as DynamoDB JSON under {@code "item"} (the stream's new
 * image), with the coordinates its key attributes give. Once the reader is fixed (an upcaster, a
 * registered type), a redrive reads the event from the ledger by those coordinates.
 */
public record FeedDeadLetter(String feed, String store, String aggregateId, long version, RecordedEvent record,
                             String error, int attempts, Instant failedAt, JsonNode item) {
    /** SQS's classic message limit (256 KiB), so the body fits any queue. */
    public static final int MAX_BODY_BYTES = 256 * 1024;
    static final String MARKER = "dead-letter";

    public FeedDeadLetter {
        Objects.requireNonNull(feed, "feed");
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(aggregateId, "aggregateId");
        Objects.requireNonNull(failedAt, "failedAt");
        error = error == null ? "" : error;
    }

    public static FeedDeadLetter of(String feed, RecordedEvent e, String error, int attempts, Instant at) {
        return new FeedDeadLetter(feed, e.store(), e.aggregateId(), e.version(), e, error, attempts, at, null);
    }

    /** A ledger item that could not be read as an event: the item itself (DynamoDB JSON) and where it is. */
    public static FeedDeadLetter unreadable(String feed, String store, String aggregateId, long version, JsonNode item,
                                            String error, Instant at) {
        return new FeedDeadLetter(feed, store, aggregateId, version, null, error, 1, at, item);
    }

    public Optional<JsonNode> optionalItem() {
        return Optional.ofNullable(item);
    }

    public String coordinates() {
        return store + "/" + aggregateId + "@" + version;
    }

    public Optional<RecordedEvent> optionalRecord() {
        return Optional.ofNullable(record);
    }

    /** The SQS body: with the record when it fits, else the coordinates only (and a shortened error). */
    public String toJson() {
        String full = JsonCodec.write(tree(true, error));
        if (full.getBytes(StandardCharsets.UTF_8).length <= MAX_BODY_BYTES) {
            return full;
        }
        String shortError = error.length() > 4000 ? error.substring(0, 4000) + "..." : error;
        return JsonCodec.write(tree(false, shortError));
    }

    private ObjectNode tree(boolean withRecord, String err) {
        ObjectNode n = JsonCodec.object();
        n.put("tally", MARKER);
        ObjectNode source = n.putObject("source");
        source.put("kind", "feed");
        source.put("name", feed);
        ObjectNode c = n.putObject("coordinates");
        c.put("store", store);
        c.put("aggregateId", aggregateId);
        c.put("version", version);
        if (withRecord && record != null) {
            n.set("record", JsonCodec.eventToJson(record));
        }
        if (withRecord && item != null) {
            n.set("item", item);
        }
        n.put("error", err);
        n.put("attempts", attempts);
        n.put("failedAt", failedAt.toString());
        return n;
    }

    /** True for a body this class wrote. */
    public static boolean isFeedDeadLetter(JsonNode n) {
        return n != null && n.isObject() && MARKER.equals(n.path("tally").asText(null))
                && "feed".equals(n.path("source").path("kind").asText(null));
    }

    public static FeedDeadLetter fromJson(JsonNode n) {
        if (!isFeedDeadLetter(n)) {
            throw new IllegalArgumentException("not a Tally dispatcher dead letter (expected \"tally\": \"dead-letter\""
                    + " with a feed source)");
        }
        JsonNode c = n.get("coordinates");
        JsonCodec.require(c, "store", "aggregateId", "version");
        JsonNode r = n.get("record");
        return new FeedDeadLetter(n.path("source").path("name").asText(), c.get("store").asText(),
                c.get("aggregateId").asText(), c.get("version").asLong(),
                r == null || r.isNull() ? null : JsonCodec.eventFromJson(r), n.path("error").asText(""),
                n.path("attempts").asInt(0), Instant.parse(n.path("failedAt").asText()),
                n.has("item") && n.get("item").isObject() ? n.get("item") : null);
    }
}
