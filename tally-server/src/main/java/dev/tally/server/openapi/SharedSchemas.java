package dev.tally.server.openapi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.json.JsonCodec;

/** The schemas every store shares: a write's answer, an event as the ledger holds it, a page of events. */
final class SharedSchemas {
    private SharedSchemas() {
    }

    static void addTo(ObjectNode schemas) {
        ObjectNode written = object(schemas, "Written", "What a write appended to: the aggregate and its new version.");
        written.withObject("/properties").set("aggregateId", StorePaths.string());
        written.withObject("/properties").set("version", StorePaths.integer64());
        written.putArray("required").add("aggregateId").add("version");

        ObjectNode event = object(schemas, "Event", "An event as the ledger holds it; its payload's schema by type is"
                + " listed in x-tally (stores[].events[].schema).");
        ObjectNode p = event.withObject("/properties");
        p.set("store", StorePaths.string());
        p.set("aggregateId", StorePaths.string());
        p.set("version", StorePaths.integer64());
        p.set("type", StorePaths.string());
        p.putObject("schemaVersion").put("type", "integer");
        p.putObject("timestamp").put("type", "string").put("format", "date-time");
        p.putObject("payload").put("type", "object");
        ObjectNode metadata = p.putObject("metadata").put("type", "object");
        ObjectNode mp = metadata.putObject("properties");
        mp.putObject("correlationId").put("type", "string").put("description", "the request or flow it belongs to");
        mp.putObject("causationId").put("type", "string").put("description", "what caused it (a command, an event)");
        mp.putObject("actor").put("type", "string");
        event.putArray("required").add("store").add("aggregateId").add("version").add("type").add("timestamp")
                .add("payload");

        ObjectNode page = object(schemas, "EventPage", "A page of an aggregate's events in version order.");
        ObjectNode pp = page.withObject("/properties");
        pp.set("store", StorePaths.string());
        pp.set("aggregateId", StorePaths.string());
        pp.putObject("events").put("type", "array").set("items", RecordSchemas.refTo("Event"));
        pp.putObject("nextCursor").putArray("type").add("string").add("null");
        page.putArray("required").add("events").add("nextCursor");
    }

    private static ObjectNode object(ObjectNode schemas, String name, String description) {
        return schemas.putObject(name).put("type", "object").put("title", name).put("description", description);
    }
}
