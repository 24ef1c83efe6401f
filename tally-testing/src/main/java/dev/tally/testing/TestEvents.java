package dev.tally.testing;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.EventMetadata;
import dev.tally.core.RecordedEvent;
import dev.tally.core.json.JsonCodec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Builds recorded events for contract suites and adapter tests. */
public final class TestEvents {
    private TestEvents() {
    }

    /** A store name no other test uses, so suites can share one ledger. */
    public static String uniqueStore(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    public static RecordedEvent event(String store, String id, long version) {
        ObjectNode payload = JsonCodec.object();
        payload.put("n", version);
        return new RecordedEvent(store, id, version, "Thing" + (version % 3), 1,
                Instant.now().truncatedTo(ChronoUnit.MILLIS), payload, EventMetadata.empty());
    }

    public static RecordedEvent event(String store, String id, long version, String type, ObjectNode payload,
                                      EventMetadata metadata) {
        return new RecordedEvent(store, id, version, type, 1, Instant.now().truncatedTo(ChronoUnit.MILLIS), payload,
                metadata);
    }

    /** Versions {@code from..to} of one stream. */
    public static List<RecordedEvent> stream(String store, String id, long from, long to) {
        List<RecordedEvent> out = new ArrayList<>();
        for (long v = from; v <= to; v++) {
            out.add(event(store, id, v));
        }
        return out;
    }
}
