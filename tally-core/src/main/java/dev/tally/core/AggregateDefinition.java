package dev.tally.core;

import dev.tally.core.json.JsonCodec;
import dev.tally.core.upcast.Upcaster;
import dev.tally.core.upcast.UpcasterChain;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What an aggregate is, decider-style: a name (the event store's name), an initial state, and how
 * each event type evolves the state. Built with plain code, no annotations:
 *
 * <pre>{@code
 * AggregateDefinition<Account> ACCOUNT = AggregateDefinition.builder("bank-account", Account.class)
 *     .initialState(Account.EMPTY)
 *     .on(CREDITED, (account, event) -> account.credit(event.payload().amount()))
 *     .on(DEBITED, (account, event) -> account.debit(event.payload().amount()))
 *     .build();
 * }</pre>
 *
 * <p>The replay event is known to every definition and never reaches a reducer.
 *
 * @param <S> the state type, usually an immutable record
 */
public final class AggregateDefinition<S> {

    /** How one event type changes the state. Must be pure: it runs again on every load. */
    @FunctionalInterface
    public interface Evolver<S, P> {
        S apply(S state, Event<P> event);
    }

    private final String name;
    private final Class<S> stateType;
    private final S initialState;
    private final Map<String, EventType<?>> types;
    private final Map<String, Evolver<S, ?>> evolvers;
    private final int reducerVersion;
    private final UpcasterChain upcasters;

    private AggregateDefinition(Builder<S> b) {
        this.name = b.name;
        this.stateType = b.stateType;
        this.initialState = Objects.requireNonNull(b.initialState,
                "initialState: call .initialState(...) on the builder of '" + b.name + "'");
        this.types = Map.copyOf(b.types);
        this.evolvers = Map.copyOf(b.evolvers);
        this.reducerVersion = b.reducerVersion;
        this.upcasters = new UpcasterChain(b.upcasters);
    }

    public static <S> Builder<S> builder(String name, Class<S> stateType) {
        return new Builder<>(name, stateType);
    }

    public String name() {
        return name;
    }

    public Class<S> stateType() {
        return stateType;
    }

    public S initialState() {
        return initialState;
    }

    /**
     * The reducer's version. Bump it whenever the evolve functions or the state's shape change:
     * snapshots taken by another reducer version are then ignored.
     */
    public int reducerVersion() {
        return reducerVersion;
    }

    public Collection<EventType<?>> eventTypes() {
        return types.values();
    }

    public Optional<EventType<?>> eventType(String typeName) {
        if (ReplayRequested.TYPE_NAME.equals(typeName)) {
            return Optional.of(ReplayRequested.TYPE);
        }
        return Optional.ofNullable(types.get(typeName));
    }

    /** True when this definition accepts events of that type. */
    public boolean knows(EventType<?> type) {
        return type.equals(ReplayRequested.TYPE) || type.equals(types.get(type.name()));
    }

    /** Applies one decoded event. The replay event leaves the state as it is. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public S evolve(S state, Event<?> event) {
        if (event.type().equals(ReplayRequested.TYPE)) {
            return state;
        }
        Evolver evolver = evolvers.get(event.typeName());
        if (evolver == null) {
            throw new UnknownEventTypeException(name, event.aggregateId(), event.version(), event.typeName());
        }
        S next = (S) evolver.apply(state, event);
        if (next == null) {
            throw new IllegalStateException("the evolver of " + name + " for " + event.typeName()
                    + " returned null at " + event.aggregateId() + " v" + event.version()
                    + ": return the new state (or the old one to ignore the event)");
        }
        return next;
    }

    /** Upcasts and decodes a stored event into its typed form. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public Event<?> decode(RecordedEvent e) {
        EventType type = eventType(e.type()).orElseThrow(
                () -> new UnknownEventTypeException(name, e.aggregateId(), e.version(), e.type()));
        var payload = upcasters.upcast(e.type(), e.schemaVersion(), type.schemaVersion(), e.payload());
        Object value;
        try {
            value = JsonCodec.fromTree(payload, type.payloadType());
        } catch (RuntimeException ex) {
            throw new InvalidEventException("cannot decode " + e.coordinates() + " (" + e.type() + " v"
                    + e.schemaVersion() + ") into " + type.payloadType().getSimpleName() + ": " + ex.getMessage()
                    + ". If the payload's shape changed, raise the event type's schema version and add an upcaster",
                    ex);
        }
        return new Event(e.store(), e.aggregateId(), e.version(), type, e.timestamp(), value, e.metadata());
    }

    /** Builds a definition; {@code name} is the event store's name. */
    public static final class Builder<S> {
        private final String name;
        private final Class<S> stateType;
        private S initialState;
        private final Map<String, EventType<?>> types = new LinkedHashMap<>();
        private final Map<String, Evolver<S, ?>> evolvers = new LinkedHashMap<>();
        private final List<Upcaster> upcasters = new ArrayList<>();
        private int reducerVersion = 1;

        private Builder(String name, Class<S> stateType) {
            this.name = Names.requireStoreName(name);
            this.stateType = Objects.requireNonNull(stateType, "stateType");
        }

        public Builder<S> initialState(S state) {
            this.initialState = Objects.requireNonNull(state, "initialState");
            return this;
        }

        /** Registers an event type and how it evolves the state. */
        public <P> Builder<S> on(EventType<P> type, Evolver<S, P> evolver) {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(evolver, "evolver");
            if (types.containsKey(type.name())) {
                throw new IllegalArgumentException("event type '" + type.name() + "' is registered twice on '" + name
                        + "'; register each type once");
            }
            types.put(type.name(), type);
            evolvers.put(type.name(), evolver);
            return this;
        }

        public Builder<S> upcaster(Upcaster upcaster) {
            upcasters.add(Objects.requireNonNull(upcaster, "upcaster"));
            return this;
        }

        public Builder<S> reducerVersion(int version) {
            if (version < 1) {
                throw new IllegalArgumentException("reducerVersion must be >= 1, got " + version);
            }
            this.reducerVersion = version;
            return this;
        }

        public AggregateDefinition<S> build() {
            if (types.isEmpty()) {
                throw new IllegalStateException("aggregate '" + name + "' has no event types: register them with"
                        + " .on(EventType, evolver)");
            }
            for (Upcaster u : upcasters) {
                EventType<?> t = types.get(u.eventType());
                if (t == null) {
                    throw new IllegalStateException("upcaster " + u + " names event type '" + u.eventType()
                            + "' that '" + name + "' does not register");
                }
                if (u.fromVersion() >= t.schemaVersion()) {
                    throw new IllegalStateException("upcaster " + u + " goes beyond the current schema version v"
                            + t.schemaVersion() + " of " + t.name());
                }
            }
            return new AggregateDefinition<>(this);
        }
    }
}
