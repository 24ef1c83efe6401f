package dev.tally.core;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.internal.Names;
import dev.tally.core.json.JsonCodec;
import java.time.Instant;
import java.util.Objects;

/**
 * An event as the ledger stores it: payload still in JSON, at the schema version it was written
 * with. This is what ledger adapters, change feeds and messages carry; {@link Event} is the
 * decoded, typed view of it.
 *
 * @param store         the event store (aggregate kind) it belongs to, e.g. "bank-account"
 * @param aggregateId   the stream within that store
 * @param version       1, 2, 3... contiguous within the stream
 * @param type          the event type name
 * @param schemaVersion the payload's schema version when written
 * @param timestamp     when it was written
 * @param payload       the payload as a JSON object
 * @param metadata      correlation, causation, actor, attributes
 */
public record RecordedEvent(String store, String aggregateId, long version, String type, int schemaVersion,
                            Instant timestamp, JsonNode payload, EventMetadata metadata) {
    public RecordedEvent {
        Names.requireStoreName(store);
        Names.requireAggregateId(aggregateId);
        if (version < 1) {
            throw new InvalidEventException("event version must be >= 1 (versions start at 1), got " + version
                    + " for " + store + "/" + aggregateId);
        }
        Names.requireEventTypeName(type);
        if (schemaVersion < 1) {
            throw new InvalidEventException("schema version must be >= 1, got " + schemaVersion);
        }
        Objects.requireNonNull(timestamp, "timestamp");
        if (payload == null || !payload.isObject()) {
            throw new InvalidEventException("payload of " + store + "/" + aggregateId + " v" + version
                    + " must be a JSON object, got " + (payload == null ? "null" : payload.getNodeType()));
        }
        payload = JsonCodec.canonical(payload);
        metadata = metadata == null ? EventMetadata.empty() : metadata;
    }

    public boolean isReplay() {
        return ReplayRequested.TYPE_NAME.equals(type);
    }

    /** "store/aggregateId@version", for messages and logs. */
    public String coordinates() {
        return store + "/" + aggregateId + "@" + version;
    }
}
