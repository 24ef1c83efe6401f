package dev.tally.core.message;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.RecordedEvent;
import dev.tally.core.json.JsonCodec;

import dev.tally.core.spi.ClaimResolver;
/**
 * The wire format of messages (EventBridge detail, SQS body, HTTP):
 *
 * <pre>{@code
 * {"kind": "state-carrying",
 *  "aggregate": {"aggregateId": "alice", "version": 3, "state": {"balance": 500, ...}},
 *  "lastEvent": {"store": "bank-account", "aggregateId": "alice", "version": 3, "type": "Debited",
 *                "schemaVersion": 1, "timestamp": "...", "payload": {"amount": 30}, "metadata": {}}}
 * }</pre>
 * A notification has {@code "kind": "notification"} and no {@code aggregate}.
 *
 * <p>A message too large for its transport travels as a <em>claim check</em>:
 * {@code {"kind": ..., "claimCheck": {"store", "aggregateId", "version"}}}; the receiver's
 * {@link ClaimResolver} reads it back from the ledger.
 */
public final class MessageCodec {
    private MessageCodec() {
    }

    public static ObjectNode toJson(Message m) {
        ObjectNode n = JsonCodec.object();
        n.put("kind", m.kind().wireName());
        if (m instanceof StateCarryingMessage s) {
            ObjectNode aggregate = n.putObject("aggregate");
            aggregate.put("aggregateId", s.aggregateId());
            aggregate.put("version", s.version());
            aggregate.set("state", s.state());
        }
        n.set("lastEvent", JsonCodec.eventToJson(m.event()));
        return n;
    }

    public static String toJsonString(Message m) {
        return toJson(m).toString();
    }

    /** The claim check of a message: its kind and its event's coordinates, a few hundred bytes. */
    public static ObjectNode claimCheck(Message m) {
        ObjectNode n = JsonCodec.object();
        n.put("kind", m.kind().wireName());
        n.putObject("claimCheck").put("store", m.store()).put("aggregateId", m.aggregateId())
                .put("version", m.version());
        return n;
    }

    public static boolean isClaimCheck(JsonNode n) {
        return n != null && n.has("claimCheck");
    }

    /** Decodes a message; a claim check is resolved with {@code claims}. */
    public static Message fromJson(JsonNode n, ClaimResolver claims) {
        if (isClaimCheck(n)) {
            JsonNode c = n.get("claimCheck");
            JsonCodec.require(c, "store", "aggregateId", "version");
            return claims.resolve(MessageKind.fromWire(n.path("kind").asText("state-carrying")),
                    c.get("store").asText(), c.get("aggregateId").asText(), c.get("version").asLong());
        }
        return fromJson(n);
    }

    public static Message fromJson(JsonNode n) {
        if (isClaimCheck(n)) {
            return fromJson(n, ClaimResolver.NONE);
        }
        JsonCodec.require(n, "kind", "lastEvent");
        MessageKind kind = MessageKind.fromWire(n.get("kind").asText());
        RecordedEvent event = JsonCodec.eventFromJson(n.get("lastEvent"));
        if (kind == MessageKind.NOTIFICATION) {
            return new NotificationMessage(event);
        }
        JsonNode aggregate = n.get("aggregate");
        JsonCodec.require(aggregate, "version", "state");
        if (aggregate.get("version").asLong() != event.version()) {
            throw new IllegalArgumentException("state-carrying message is inconsistent: aggregate version "
                    + aggregate.get("version").asLong() + " but last event version " + event.version());
        }
        return new StateCarryingMessage(event, aggregate.get("state"));
    }

    public static Message fromJson(String json) {
        return fromJson(JsonCodec.parse(json));
    }
}
