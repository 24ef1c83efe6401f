package dev.tally.core.projection;

import dev.tally.core.Aggregate;
import dev.tally.core.AggregateDefinition;
import dev.tally.core.message.Message;
import dev.tally.core.message.MessageFilter;
import dev.tally.core.message.MessageHandler;
import dev.tally.core.message.StateCarryingMessage;
import dev.tally.core.message.Target;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * A projector for state-carrying messages: derives a view from the carried aggregate and writes
 * it with the aggregate's version. It never reads the old view and never adds to it, so it can be
 * fed duplicates, stale messages and replays in any order and ends at the same view.
 *
 * <pre>{@code
 * StateProjector<Account, Long> balance = StateProjector.builder("balance", ACCOUNT)
 *     .view(account -> account.state().balance())
 *     .writer(balanceWriter)
 *     .build();
 * bus.subscribe(balance.target());
 * }</pre>
 */
public final class StateProjector<S, V> implements MessageHandler {
    private final String name;
    private final String store;
    private final Class<S> stateType;
    private final Function<Aggregate<S>, V> view;
    private final Function<Aggregate<S>, String> key;
    private final ProjectionWriter<V> writer;
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong stale = new AtomicLong();

    private StateProjector(Builder<S, V> b) {
        this.name = b.name;
        this.store = b.definition.name();
        this.stateType = b.definition.stateType();
        this.view = Objects.requireNonNull(b.view, "view: call .view(aggregate -> ...) on the builder");
        this.key = b.key;
        this.writer = Objects.requireNonNull(b.writer, "writer: call .writer(...) on the builder");
    }

    public static <S> Builder<S, ?> builder(String name, AggregateDefinition<S> definition) {
        return new Builder<>(name, definition);
    }

    @Override
    public void handle(Message message) {
        if (!(message instanceof StateCarryingMessage m) || !m.store().equals(store)) {
            return;
        }
        Aggregate<S> aggregate = m.aggregate(stateType);
        V v = view.apply(aggregate);
        if (v == null) {
            return;
        }
        ProjectionWriter.WriteOutcome outcome = writer.write(key.apply(aggregate), aggregate.version(), v);
        (outcome == ProjectionWriter.WriteOutcome.WRITTEN ? written : stale).incrementAndGet();
    }

    public String name() {
        return name;
    }

    /** State-carrying messages of this projector's store. */
    public MessageFilter filter() {
        return MessageFilter.stateOf(store);
    }

    /** This projector as a bus target with the default delivery retry policy. */
    public Target target() {
        return Target.of(name, filter(), this);
    }

    public ProjectionWriter<V> writer() {
        return writer;
    }

    public long writtenCount() {
        return written.get();
    }

    public long staleCount() {
        return stale.get();
    }

    public static final class Builder<S, V> {
        private final String name;
        private final AggregateDefinition<S> definition;
        private Function<Aggregate<S>, V> view;
        private Function<Aggregate<S>, String> key = Aggregate::aggregateId;
        private ProjectionWriter<V> writer;

        private Builder(String name, AggregateDefinition<S> definition) {
            this.name = Objects.requireNonNull(name, "name");
            this.definition = Objects.requireNonNull(definition, "definition");
        }

        /** The view of an aggregate; null means "no view for this aggregate". */
        @SuppressWarnings("unchecked")
        public <W> Builder<S, W> view(Function<Aggregate<S>, W> view) {
            Builder<S, W> self = (Builder<S, W>) this;
            self.view = view;
            return self;
        }

        /** The view's key (default: the aggregate id). */
        public Builder<S, V> key(Function<Aggregate<S>, String> key) {
            this.key = Objects.requireNonNull(key, "key");
            return this;
        }

        public Builder<S, V> writer(ProjectionWriter<V> writer) {
            this.writer = writer;
            return this;
        }

        public StateProjector<S, V> build() {
            return new StateProjector<>(this);
        }
    }
}
