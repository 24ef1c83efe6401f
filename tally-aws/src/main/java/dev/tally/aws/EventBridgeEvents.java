package dev.tally.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.spi.ClaimResolver;
import dev.tally.core.message.Message;
import dev.tally.core.message.MessageCodec;
import dev.tally.core.message.MessageFilter;
import dev.tally.core.message.MessageKind;
import java.nio.charset.StandardCharsets;

/**
 * How Tally messages look on EventBridge: source = event store name, detail-type = event type
 * (the replay event has its own, {@code tally.ReplayRequested}), detail = the message JSON. And
 * the event patterns that select them, derived from a {@link MessageFilter} so the same rule works
 * on the local router and in the deployment template.
 */
public final class EventBridgeEvents {
    /** EventBridge's limit for one entry (and for a whole PutEvents request). */
    public static final int MAX_ENTRY_BYTES = 256 * 1024;

    private EventBridgeEvents() {
    }

    public static String source(Message m) {
        return m.store();
    }

    public static String detailType(Message m) {
        return m.eventType();
    }

    /** The detail JSON, or its claim check when the full message would not fit in one entry. */
    public static String detail(Message m) {
        String full = MessageCodec.toJsonString(m);
        if (entrySize(source(m), detailType(m), full) <= MAX_ENTRY_BYTES) {
            return full;
        }
        return MessageCodec.claimCheck(m).toString();
    }

    /** An entry's size as EventBridge counts it: source, detail-type, detail (UTF-8) and time. */
    public static int entrySize(String source, String detailType, String detail) {
        return utf8(source) + utf8(detailType) + utf8(detail) + 14;
    }

    private static int utf8(String s) {
        return s == null ? 0 : s.getBytes(StandardCharsets.UTF_8).length;
    }

    /** The Tally message inside an EventBridge event (the JSON a rule target receives). */
    public static Message messageOf(JsonNode envelope, ClaimResolver claims) {
        JsonNode detail = envelope.get("detail");
        if (detail == null || !detail.isObject()) {
            throw new IllegalArgumentException("not an EventBridge event with a JSON detail: "
                    + abbreviate(envelope));
        }
        return MessageCodec.fromJson(detail, claims);
    }

    /** True when the JSON looks like an EventBridge event (has detail-type and detail). */
    public static boolean isEnvelope(JsonNode n) {
        return n != null && n.has("detail-type") && n.has("detail");
    }

    /** The event pattern matching what {@code filter} matches. */
    public static ObjectNode pattern(MessageFilter filter) {
        ObjectNode p = JsonCodec.object();
        if (!filter.stores().isEmpty()) {
            ArrayNode sources = p.putArray("source");
            filter.stores().stream().sorted().forEach(sources::add);
        }
        if (!filter.eventTypes().isEmpty()) {
            ArrayNode types = p.putArray("detail-type");
            filter.eventTypes().stream().sorted().forEach(types::add);
        }
        if (!filter.kinds().isEmpty()) {
            ArrayNode kinds = p.putObject("detail").putArray("kind");
            filter.kinds().stream().map(MessageKind::wireName).sorted().forEach(kinds::add);
        }
        if (p.isEmpty()) {
            // EventBridge needs at least one field: every Tally message has a detail.kind
            ArrayNode kinds = p.putObject("detail").putArray("kind");
            for (MessageKind k : MessageKind.values()) {
                kinds.add(k.wireName());
            }
        }
        return p;
    }

    private static String abbreviate(JsonNode n) {
        String s = String.valueOf(n);
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }
}
