package dev.tally.core.projection;

import dev.tally.core.Aggregate;
import dev.tally.core.AggregateDefinition;
import dev.tally.core.internal.Names;
import dev.tally.core.message.Message;
import dev.tally.core.message.MessageFilter;
import dev.tally.core.message.StateCarryingMessage;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * A projection as a value: its name, the store whose aggregates it reads, its view type and the
 * view function of the aggregate's state. It knows no writer and no transport: a runner binds it
 * to both (a {@link Projector} behind a bus, a SQL runner straight off a change feed that commits
 * the view with its checkpoint).
 *
 * <pre>{@code
 * Projection<Account, BalanceView> BALANCE = Projection.of("balance", BankAccount.DEFINITION,
 *         BalanceView.class, account -> new BalanceView(account.state().balance()));
 * }</pre>
 *
 * The view function never reads an old view and never adds to it: a view is what the carried
 * aggregate says, so duplicates, stale messages and replays in any order end at the same view.
 *
 * @param view returns the view of an aggregate, or null for "no view of this aggregate"
 * @param key  the view's key (by default the aggregate id)
 */
public record Projection<S, V>(String name, String store, Class<S> stateType, Class<V> viewType,
                               Function<Aggregate<S>, V> view, Function<Aggregate<S>, String> key) {
    public Projection {
        Names.requireStoreName(name);
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(stateType, "stateType");
        Objects.requireNonNull(viewType, "viewType");
        Objects.requireNonNull(view, "view");
        Objects.requireNonNull(key, "key");
    }

    public static <S, V> Projection<S, V> of(String name, AggregateDefinition<S> definition, Class<V> viewType,
                                             Function<Aggregate<S>, V> view) {
        return new Projection<>(name, definition.name(), definition.stateType(), viewType, view,
                Aggregate::aggregateId);
    }

    /** The same projection with views keyed by {@code key} instead of the aggregate id. */
    public Projection<S, V> keyedBy(Function<Aggregate<S>, String> newKey) {
        return new Projection<>(name, store, stateType, viewType, view, newKey);
    }

    /** State-carrying messages of this projection's store, every event type (the replay event included). */
    public MessageFilter filter() {
        return MessageFilter.stateOf(store);
    }


    /** A view to write: its key, the aggregate version it reflects, and the view. */
    public record Row<V>(String key, long version, V view) {
    }

    /** The row a message asks for; empty for another store's message or when the view function says "no view". */
    public Optional<Row<V>> rowOf(Message message) {
        if (!(message instanceof StateCarryingMessage m) || !m.store().equals(store)) {
            return Optional.empty();
        }
        return rowOf(m.aggregate(stateType));
    }

    /** The row of an aggregate; empty when the view function says "no view". */
    public Optional<Row<V>> rowOf(Aggregate<S> aggregate) {
        V v = view.apply(aggregate);
        return v == null ? Optional.empty() : Optional.of(new Row<>(key.apply(aggregate), aggregate.version(), v));
    }
}
