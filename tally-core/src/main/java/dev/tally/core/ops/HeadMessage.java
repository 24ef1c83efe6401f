package dev.tally.core.ops;

import dev.tally.core.Aggregate;
import dev.tally.core.EventStore;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.message.StateCarryingMessage;
import java.util.List;
import java.util.Optional;

/**
 * The state-carrying message of an aggregate as it is now: its head event and the state after it.
 * What a rebuild sends, one per aggregate, instead of one per event.
 */
public final class HeadMessage {
    private HeadMessage() {
    }

    /** The head message and how many events its state covers (the aggregate's version). */
    public record Loaded(StateCarryingMessage message, long version) {
    }

    /** Empty when the aggregate has no events. */
    public static <S> Optional<Loaded> of(EventStore<S> store, String aggregateId) {
        Aggregate<S> aggregate = store.load(aggregateId);
        if (!aggregate.exists()) {
            return Optional.empty();
        }
        List<RecordedEvent> head = store.read(aggregateId, ReadOptions.range(aggregate.version(), aggregate.version()));
        if (head.isEmpty()) {
            throw new IllegalStateException(store.name() + "/" + aggregateId + " folded to v" + aggregate.version()
                    + " but the ledger has no event at that version");
        }
        return Optional.of(new Loaded(new StateCarryingMessage(head.get(0), store.stateToJson(aggregate.state())),
                aggregate.version()));
    }
}
