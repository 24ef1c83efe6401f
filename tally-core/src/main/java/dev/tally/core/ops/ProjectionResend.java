package dev.tally.core.ops;

import dev.tally.core.EventStore;
import dev.tally.core.message.StateCarryingMessage;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A {@link Rebuild.Sender} that loads each aggregate from an event store (snapshot and fold) and
 * hands its head message to one projection's delivery: a {@link dev.tally.core.projection.Projector}
 * in this process, or a bus's send to that one target.
 */
public final class ProjectionResend implements Rebuild.Sender {
    private final EventStore<?> store;
    private final Consumer<StateCarryingMessage> deliver;

    public ProjectionResend(EventStore<?> store, Consumer<StateCarryingMessage> deliver) {
        this.store = Objects.requireNonNull(store, "store");
        this.deliver = Objects.requireNonNull(deliver, "deliver");
    }

    @Override
    public Rebuild.Sent send(List<String> aggregateIds) {
        int messages = 0;
        long events = 0;
        for (String id : aggregateIds) {
            Optional<HeadMessage.Loaded> head = HeadMessage.of(store, id);
            if (head.isPresent()) {
                deliver.accept(head.get().message());
                messages++;
                events += head.get().version();
            }
        }
        return new Rebuild.Sent(messages, events);
    }
}
