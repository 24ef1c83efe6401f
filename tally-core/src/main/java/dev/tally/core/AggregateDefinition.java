package dev.tally.core;

import dev.tally.core.command.Command;
import dev.tally.core.command.Decision;
import dev.tally.core.internal.Names;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.privacy.PersonalFields;
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
 * An aggregate as an event store knows it: a name (the store's name), a {@link Decider}, and the
 * event and command types, derived from their sealed interfaces: every record a sealed event
 * interface permits (directly or through a sealed sub-interface) is an event type, named by its
 * simple class name at schema version 1 unless pinned.
 *
 * <pre>{@code
 * AggregateDefinition<Account> DEFINITION = AggregateDefinition.of("bank-account", Account.class,
 *         AccountCommand.class, AccountEvent.class, new BankAccount());
 *
 * // pin what must stay stable when classes are renamed or payloads change shape:
 * AggregateDefinition.builder("bank-account", Account.class, AccountCommand.class, AccountEvent.class, decider)
 *     .event(Credited.class, "Credited", 2)     // name in the ledger, current schema version
 *     .upcaster(new CreditedV1ToV2())
 *     .build();
 * }</pre>
 *
 * <p>The replay event is known to every definition and never reaches the decider.
 *
 * @param <S> the state type, usually an immutable record
 */
public final class AggregateDefinition<S> {
    private final String name;
    private final Class<S> stateType;
    private final Class<?> commandType;
    private final Decider<Object, Object, S> decider;
    private final S initialState;
    private final Map<String, EventType<?>> types;
    private final Map<Class<?>, EventType<?>> typesByClass;
    private final Map<String, Class<?>> commands;
    private final int reducerVersion;
    private final UpcasterChain upcasters;
    private final Map<String, PersonalFields> personal;
    private final java.util.Set<String> internalCommands;

    @SuppressWarnings("unchecked")
    private AggregateDefinition(Builder<S> b, Map<String, EventType<?>> types, Map<String, Class<?>> commands) {
        this.name = b.name;
        this.stateType = b.stateType;
        this.commandType = b.commandType;
        this.decider = (Decider<Object, Object, S>) b.decider;
        this.initialState = Objects.requireNonNull(decider.initialState(),
                "the decider of '" + b.name + "' returned a null initialState()");
        this.types = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(types)); // declaration order
        Map<Class<?>, EventType<?>> byClass = new LinkedHashMap<>();
        types.values().forEach(t -> byClass.put(t.payloadType(), t));
        this.typesByClass = Map.copyOf(byClass);
        this.commands = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(commands));
        java.util.Set<String> internal = new java.util.LinkedHashSet<>();
        b.internal.forEach(c -> internal.add(c.getSimpleName()));
        this.internalCommands = java.util.Collections.unmodifiableSet(internal);
        this.reducerVersion = b.reducerVersion;
        this.upcasters = new UpcasterChain(b.upcasters);
        Map<String, PersonalFields> byName = new LinkedHashMap<>();
        b.personal.forEach((c, f) -> byName.put(byClass.get(c).name(), f));
        this.personal = Map.copyOf(byName);
    }

    /** The personal fields of an event type, when it was declared to have some. */
    public Optional<PersonalFields> personalFields(String typeName) {
        return Optional.ofNullable(personal.get(typeName));
    }

    /** Whether any event type of this aggregate holds personal data. */
    public boolean hasPersonalData() {
        return !personal.isEmpty();
    }

    /** A definition with every name and schema version derived (simple class names, version 1). */
    public static <C extends Command<S>, E, S> AggregateDefinition<S> of(String name, Class<S> stateType,
            Class<C> commandType, Class<E> eventType, Decider<C, E, S> decider) {
        return builder(name, stateType, commandType, eventType, decider).build();
    }

    public static <C extends Command<S>, E, S> Builder<S> builder(String name, Class<S> stateType,
            Class<C> commandType, Class<E> eventType, Decider<C, E, S> decider) {
        return new Builder<>(name, stateType, commandType, eventType, decider);
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
     * The reducer's version. Bump it whenever {@code evolve} or the state's shape change:
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
        if (PersonalDataForgotten.TYPE_NAME.equals(typeName)) {
            return Optional.of(PersonalDataForgotten.TYPE);
        }
        if (StreamArchived.TYPE_NAME.equals(typeName)) {
            return Optional.of(StreamArchived.TYPE);
        }
        return Optional.ofNullable(types.get(typeName));
    }

    /** The event type of an event record; the replay event's for {@link ReplayRequested}. */
    public EventType<?> typeOf(Object event) {
        Objects.requireNonNull(event, "event");
        if (event instanceof ReplayRequested) {
            return ReplayRequested.TYPE;
        }
        if (event instanceof PersonalDataForgotten) {
            return PersonalDataForgotten.TYPE;
        }
        if (event instanceof StreamArchived) {
            return StreamArchived.TYPE;
        }
        EventType<?> t = typesByClass.get(event.getClass());
        if (t == null) {
            throw new InvalidEventException(event.getClass().getName() + " is not an event of '" + name
                    + "': its events are " + types.keySet() + " (the records its sealed event interface permits)");
        }
        return t;
    }

    /** The command records, by simple name (for routing commands that arrive as data). */
    public Map<String, Class<?>> commandTypes() {
        return commands;
    }

    /**
     * The commands declared internal ({@link Builder#internalCommands}), by simple name: executed by
     * sagas and by the app's own code, never accepted from outside through a generic command route.
     */
    public java.util.Set<String> internalCommands() {
        return internalCommands;
    }

    /** Whether the command named {@code commandName} is internal (see {@link #internalCommands()}). */
    public boolean isInternal(String commandName) {
        return internalCommands.contains(commandName);
    }

    /** The sealed command interface. */
    public Class<?> commandType() {
        return commandType;
    }

    /** Decides a command on a state, in its context (the aggregate, the version, the store clock's time). */
    @SuppressWarnings("unchecked")
    public Decision<?> decide(Command<S> command, S state, DecisionContext context) {
        Objects.requireNonNull(command, "command");
        if (!commandType.isInstance(command)) {
            throw new IllegalArgumentException(command.getClass().getName() + " is not a command of '" + name
                    + "': its commands are " + commands.keySet());
        }
        Decision<?> d = decider.decide(command, state, Objects.requireNonNull(context, "context"));
        if (d == null) {
            throw new IllegalStateException("the decider of '" + name + "' returned null for " + command
                    + ": return Decision.emit(...), Decision.nothing() or Decision.reject(...)");
        }
        return d;
    }

    /** Applies one decoded event. The replay event leaves the state as it is. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public S evolve(S state, Event<?> event) {
        if (event.type().equals(ReplayRequested.TYPE) || event.type().equals(PersonalDataForgotten.TYPE)
                || event.type().equals(StreamArchived.TYPE)) {
            return state;
        }
        S next = decider.evolve(state, (Event<Object>) event);
        if (next == null) {
            throw new IllegalStateException("evolve of " + name + " returned null for " + event.typeName()
                    + " at " + event.aggregateId() + " v" + event.version()
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
                    + ". If the payload's shape changed, raise the event's schema version and add an upcaster",
                    ex);
        }
        return new Event(e.store(), e.aggregateId(), e.version(), type, e.timestamp(), value, e.metadata());
    }

    /** The records a sealed type permits, through sealed sub-interfaces, in declaration order. */
    static List<Class<?>> records(Class<?> sealed, String role, String store) {
        if (!sealed.isSealed()) {
            throw new IllegalArgumentException(sealed.getName() + ", the " + role + " type of '" + store
                    + "', must be a sealed interface that permits its " + role + " records, e.g. 'public sealed"
                    + " interface " + sealed.getSimpleName() + " permits ...'");
        }
        List<Class<?>> out = new ArrayList<>();
        for (Class<?> permitted : sealed.getPermittedSubclasses()) {
            if (permitted.isSealed() && permitted.isInterface()) {
                out.addAll(records(permitted, role, store));
            } else {
                out.add(permitted);
            }
        }
        return out;
    }

    /** Builds a definition; {@code name} is the event store's name. */
    public static final class Builder<S> {
        private final String name;
        private final Class<S> stateType;
        private final Class<?> commandType;
        private final Class<?> eventType;
        private final Decider<?, ?, S> decider;
        private final Map<Class<?>, EventType<?>> pinned = new LinkedHashMap<>();
        private final List<Upcaster> upcasters = new ArrayList<>();
        private final Map<Class<?>, PersonalFields> personal = new LinkedHashMap<>();
        private final java.util.Set<Class<?>> internal = new java.util.LinkedHashSet<>();
        private int reducerVersion = 1;

        private Builder(String name, Class<S> stateType, Class<?> commandType, Class<?> eventType,
                        Decider<?, ?, S> decider) {
            this.name = Names.requireStoreName(name);
            this.stateType = Objects.requireNonNull(stateType, "stateType");
            this.commandType = Objects.requireNonNull(commandType, "commandType");
            this.eventType = Objects.requireNonNull(eventType, "eventType");
            this.decider = Objects.requireNonNull(decider, "decider");
        }

        /** Pins an event's name in the ledger and its current schema version. */
        public <P> Builder<S> event(Class<P> eventClass, String typeName, int schemaVersion) {
            Objects.requireNonNull(eventClass, "eventClass");
            pinned.put(eventClass, EventType.of(typeName, eventClass, schemaVersion));
            return this;
        }

        /**
         * Declares the personal fields of an event record (String components), sealed on append with
         * the data key of their subject; see {@link PersonalFields}.
         */
        public Builder<S> personalData(Class<?> eventClass, PersonalFields fields) {
            Objects.requireNonNull(eventClass, "eventClass");
            Objects.requireNonNull(fields, "fields");
            if (!eventClass.isRecord()) {
                throw new IllegalArgumentException(eventClass.getName() + " is not a record: personal fields are"
                        + " declared on event records");
            }
            Map<String, Class<?>> components = new LinkedHashMap<>();
            for (var c : eventClass.getRecordComponents()) {
                components.put(c.getName(), c.getType());
            }
            List<String> named = new ArrayList<>(fields.fields());
            if (fields.subjectField() != null) {
                named.add(fields.subjectField());
            }
            for (String f : named) {
                Class<?> type = components.get(f);
                if (type == null) {
                    throw new IllegalArgumentException(eventClass.getSimpleName() + " has no component '" + f
                            + "'; its components are " + components.keySet());
                }
                if (type != String.class) {
                    throw new IllegalArgumentException("component '" + f + "' of " + eventClass.getSimpleName()
                            + " is a " + type.getSimpleName() + ": personal fields and the subject field must be"
                            + " Strings (a sealed value is a string)");
                }
            }
            personal.put(eventClass, fields);
            return this;
        }

        /**
         * Declares commands internal: meant for the aggregate's own process (a saga's confirmation, a
         * compensation), so a generic command route ({@code POST /api/stores/{store}/{id}/commands/{Command}}
         * of {@code tally serve} and the command function on AWS) refuses them with 403. Sagas and the
         * app's own code ({@link EventStore#execute}) still execute them.
         */
        public Builder<S> internalCommands(Class<?>... commandClasses) {
            for (Class<?> c : commandClasses) {
                internal.add(Objects.requireNonNull(c, "commandClass"));
            }
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

        @SuppressWarnings({"unchecked", "rawtypes"})
        public AggregateDefinition<S> build() {
            Map<String, EventType<?>> types = new LinkedHashMap<>();
            List<Class<?>> eventRecords = records(eventType, "event", name);
            for (Class<?> c : eventRecords) {
                EventType<?> t = pinned.containsKey(c) ? pinned.get(c) : EventType.of(c.getSimpleName(), (Class) c);
                EventType<?> clash = types.put(t.name(), t);
                if (clash != null) {
                    throw new IllegalStateException("two events of '" + name + "' are named '" + t.name() + "' ("
                            + clash.payloadType().getName() + " and " + c.getName() + "): pin one with"
                            + " .event(" + c.getSimpleName() + ".class, \"OtherName\", 1)");
                }
            }
            for (Class<?> c : personal.keySet()) {
                if (!eventRecords.contains(c)) {
                    throw new IllegalStateException(c.getName() + " is declared personal on '" + name + "' but "
                            + eventType.getSimpleName() + " does not permit it");
                }
            }
            for (Class<?> c : pinned.keySet()) {
                if (!eventRecords.contains(c)) {
                    throw new IllegalStateException(c.getName() + " is pinned on '" + name + "' but "
                            + eventType.getSimpleName() + " does not permit it");
                }
            }
            Map<String, Class<?>> commands = new LinkedHashMap<>();
            for (Class<?> c : records(commandType, "command", name)) {
                if (commands.put(c.getSimpleName(), c) != null) {
                    throw new IllegalStateException("two commands of '" + name + "' are named '" + c.getSimpleName()
                            + "': command records need distinct simple names (they are routed by them)");
                }
            }
            for (Class<?> c : internal) {
                if (!commands.containsValue(c)) {
                    throw new IllegalStateException(c.getName() + " is declared an internal command of '" + name
                            + "' but " + commandType.getSimpleName() + " does not permit it; its commands are "
                            + commands.keySet());
                }
            }
            for (Upcaster u : upcasters) {
                EventType<?> t = types.get(u.eventType());
                if (t == null) {
                    throw new IllegalStateException("upcaster " + u + " names event type '" + u.eventType()
                            + "' that '" + name + "' does not have (its events are " + types.keySet() + "): if one"
                            + " of them is stored under that name, pin it with .event(TheRecord.class, \""
                            + u.eventType() + "\", " + (u.fromVersion() + 1) + ")");
                }
                if (u.fromVersion() >= t.schemaVersion()) {
                    throw new IllegalStateException("upcaster " + u + " goes beyond the current schema version v"
                            + t.schemaVersion() + " of " + t.name() + ": pin the event's schema version with"
                            + " .event(" + t.payloadType().getSimpleName() + ".class, \"" + t.name() + "\", "
                            + (u.fromVersion() + 1) + ")");
                }
            }
            return new AggregateDefinition<>(this, types, commands);
        }
    }
}
