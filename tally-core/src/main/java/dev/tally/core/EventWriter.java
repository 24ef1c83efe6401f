package dev.tally.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.internal.Names;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.spi.LedgerAdapter;
import dev.tally.core.ledger.VersionConflict;
import dev.tally.core.observe.Observability;
import dev.tally.core.spi.Telemetry;
import dev.tally.core.spi.TraceSpan;
import dev.tally.core.privacy.PersonalData;
import dev.tally.core.privacy.PersonalFields;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The writing side of one store: builds the stored form of events (type, schema version, time,
 * personal fields sealed) and appends them after an expected version, traced and counted.
 */
final class EventWriter<S> {
    private final AggregateDefinition<S> definition;
    private final LedgerAdapter ledger;
    private final PersonalData personalData;
    private final AggregateLoader<S> loader;

    EventWriter(AggregateDefinition<S> definition, LedgerAdapter ledger, PersonalData personalData,
                AggregateLoader<S> loader) {
        this.definition = definition;
        this.ledger = ledger;
        this.personalData = personalData;
        this.loader = loader;
    }

    private String name() {
        return definition.name();
    }

    RecordedEvent record(String aggregateId, long version, Object event, EventMetadata metadata) {
        Names.requireAggregateId(aggregateId);
        EventType<?> type = definition.typeOf(event);
        JsonNode json = JsonCodec.toTree(event);
        Optional<PersonalFields> personal = definition.personalFields(type.name());
        if (personal.isPresent()) {
            if (personalData == null) {
                throw new IllegalStateException("event " + type.name() + " of '" + name() + "' has personal fields "
                        + personal.get().fields() + " but this event store has no keys to seal them with: build it with"
                        + " EventStore.builder(...).personalData(new PersonalData(keys)) (the pipelines take"
                        + " .personalData(...) too)");
            }
            json = personalData.seal(aggregateId, personal.get(), (ObjectNode) json,
                    name() + "/" + aggregateId + "@" + version);
        }
        return new RecordedEvent(name(), aggregateId, version, type.name(), type.schemaVersion(), loader.now(), json,
                metadata);
    }

    List<RecordedEvent> append(String aggregateId, long expectedVersion, List<?> events, EventMetadata metadata) {
        if (expectedVersion < 0) {
            throw new IllegalArgumentException("expectedVersion must be >= 0 (0 for a new aggregate), got "
                    + expectedVersion);
        }
        if (events.isEmpty()) {
            return List.of();
        }
        Telemetry telemetry = Observability.telemetry();
        try (TraceSpan span = telemetry.span("tally.append", null)) {
            long started = System.nanoTime();
            try {
                List<RecordedEvent> records = appendTraced(aggregateId, expectedVersion, events,
                        Observability.stamp(metadata));
                telemetry.appended(name(), records.size(), System.nanoTime() - started);
                return records;
            } catch (VersionConflict conflict) {
                telemetry.conflict(name());
                throw conflict;
            } catch (RuntimeException e) {
                span.failed(e);
                throw e;
            }
        }
    }

    private List<RecordedEvent> appendTraced(String aggregateId, long expectedVersion, List<?> events,
                                             EventMetadata metadata) {
        List<RecordedEvent> records = new ArrayList<>(events.size());
        long v = expectedVersion;
        // a command id goes on the first event only (with the count of the command's events): the
        // ledger refuses a second event with the same id in the stream, in the same write
        EventMetadata first = metadata.commandId().isPresent()
                ? metadata.withAttribute(EventMetadata.COMMAND_EVENTS, Integer.toString(events.size())) : metadata;
        EventMetadata rest = metadata.withoutCommandId();
        for (Object event : events) {
            records.add(record(aggregateId, ++v, event, v == expectedVersion + 1 ? first : rest));
        }
        ledger.append(records);
        return records;
    }
}
