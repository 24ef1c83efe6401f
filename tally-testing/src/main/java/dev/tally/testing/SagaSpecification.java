package dev.tally.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.AggregateDefinition;
import dev.tally.core.Event;
import dev.tally.core.EventMetadata;
import dev.tally.core.EventType;
import dev.tally.core.RecordedEvent;
import dev.tally.core.command.Decision;
import dev.tally.core.command.Rejection;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.saga.Saga;
import dev.tally.core.saga.SagaAction;
import dev.tally.core.saga.SagaInput;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.opentest4j.AssertionFailedError;

/**
 * Given / when / then on a saga alone, like {@link DeciderSpecification} for an aggregate: no store,
 * no bus, no timers. Given the inputs the instance already took (observed events with the state
 * they produced, replies to its actions, timers that fired), when one more, then the saga's events,
 * the actions its state lists next ({@link dev.tally.core.saga.ProcessManager#todo}), or its state.
 *
 * <pre>{@code
 * SagaSpecification<Progress> spec = SagaSpecification.of(OrderSaga.SAGA);
 * spec.given(spec.observed(Order.DEFINITION, "o1", 1, placed, pendingOrder))   // the instance is "o1"
 *     .given(spec.replied("timer:set"))
 *     .when(spec.rejected("reserve:apple", "insufficient_stock"))
 *     .thenActions(new SagaAction.Send("cancel-order", "order", "o1", new Order.Cancel("insufficient_stock")));
 * }</pre>
 *
 * Inputs happen one second apart from {@link DeciderSpecification#DEFAULT_START} (replies and timers
 * carry that time); {@link #at(Instant)} moves it. The instance is the one the saga's
 * {@code instanceOf} gives for the first observation, unless {@link #of(Saga, String)} names it; an
 * observation that the saga correlates with another instance fails the test. Every fold checks that
 * {@code evolve} returns a new state instead of changing the one it was given.
 */
public final class SagaSpecification<S> {
    private final Saga<?, S> saga;
    private final AggregateDefinition<S> definition;
    private String instance;
    private final List<Event<?>> events = new ArrayList<>();
    private Instant next = DeciderSpecification.DEFAULT_START;

    private SagaSpecification(Saga<?, S> saga, String instance) {
        this.saga = Objects.requireNonNull(saga, "saga");
        this.definition = saga.definition();
        this.instance = instance;
    }

    public static <S> SagaSpecification<S> of(Saga<?, S> saga) {
        return new SagaSpecification<>(saga, null);
    }

    /** A specification of the instance {@code instance} (its aggregate id in the saga's store). */
    public static <S> SagaSpecification<S> of(Saga<?, S> saga, String instance) {
        return new SagaSpecification<>(saga, dev.tally.core.internal.Names.requireAggregateId(instance));
    }

    /** The time of the next input (replies, timers and observed events carry it). */
    public SagaSpecification<S> at(Instant at) {
        this.next = Objects.requireNonNull(at, "at");
        return this;
    }

    /** The time the next input will carry. */
    public Instant now() {
        return next;
    }

    // --- inputs ------------------------------------------------------------------------------

    /**
     * An observation of {@code aggregateId} of the store {@code definition}: its event
     * {@code event} at {@code version}, and the aggregate's state right after it.
     */
    public SagaInput.Observed observed(AggregateDefinition<?> definition, String aggregateId, long version,
                                       Object event, Object state) {
        return observed(definition, aggregateId, version, event, state, EventMetadata.empty());
    }

    /** An observation whose event carries {@code metadata} (a correlation id, say). */
    public SagaInput.Observed observed(AggregateDefinition<?> definition, String aggregateId, long version,
                                       Object event, Object state, EventMetadata metadata) {
        EventType<?> type = definition.typeOf(event);
        RecordedEvent recorded = new RecordedEvent(definition.name(), aggregateId, version, type.name(),
                type.schemaVersion(), next, JsonCodec.toTree(event), metadata);
        return new SagaInput.Observed(recorded, JsonCodec.toTree(state));
    }

    /** The accepted reply to the action {@code actionId}. */
    public SagaInput.Replied replied(String actionId) {
        return SagaInput.Replied.accepted(actionId, next);
    }

    /** The reply to the action {@code actionId}: its command was refused with {@code code}. */
    public SagaInput.Replied rejected(String actionId, String code) {
        return new SagaInput.Replied(actionId, false, code, "refused (" + code + ")", next);
    }

    /** The timer {@code name} fired, due at the current time of the specification. */
    public SagaInput.TimedOut timedOut(String name) {
        return new SagaInput.TimedOut(name, next);
    }

    // --- given / when ------------------------------------------------------------------------

    /** Inputs the instance took, one second apart: each is decided and its events folded. */
    public SagaSpecification<S> given(SagaInput... inputs) {
        for (SagaInput input : inputs) {
            Decision<?> d = decide(input);
            if (d instanceof Decision.Reject<?> reject) {
                throw new AssertionFailedError("the saga refused a given input " + input + ": " + reject.rejection());
            }
            append(((Decision.Emit<?>) d).events());
        }
        return this;
    }

    /** Events of the saga itself that happened (its own stream), one second apart. */
    public SagaSpecification<S> givenEvents(Object... sagaEvents) {
        append(List.of(sagaEvents));
        return this;
    }

    /** The instance's state after what was given. */
    public S state() {
        return fold(definition.initialState(), events);
    }

    /** What the state lists now. */
    public List<SagaAction> todo() {
        return saga.manager().todo(state());
    }

    /** One more input: what it decides, and what the state lists after it. */
    public Then<S> when(SagaInput input) {
        S before = state();
        Optional<String> correlated = input instanceof SagaInput.Observed o ? correlate(o) : Optional.of(instance());
        if (correlated.isEmpty()) {
            return new Then<>(this, before, null, input);
        }
        return new Then<>(this, before, decide(input), input);
    }

    private Decision<?> decide(SagaInput input) {
        if (input instanceof SagaInput.Observed o && correlate(o).isEmpty()) {
            throw new AssertionFailedError("the saga '" + saga.name() + "' does not correlate the given observation "
                    + o.event().coordinates() + " " + o.eventType() + " with any instance (instanceOf is empty)");
        }
        @SuppressWarnings("unchecked")
        Decision<?> d = ((dev.tally.core.saga.ProcessManager<Object, S>) saga.manager()).react(input, state());
        if (d == null) {
            throw new AssertionFailedError("react of saga '" + saga.name() + "' returned null for " + input
                    + ": return Decision.emit(...), Decision.nothing() or Decision.reject(...)");
        }
        next = next.plus(Duration.ofSeconds(1));
        return d;
    }

    private Optional<String> correlate(SagaInput.Observed o) {
        Optional<String> id = saga.manager().instanceOf(o);
        if (id.isPresent()) {
            if (instance == null) {
                instance = id.get();
            } else if (!instance.equals(id.get())) {
                throw new AssertionFailedError("the saga '" + saga.name() + "' correlates " + o.event().coordinates()
                        + " with instance '" + id.get() + "', not with this specification's '" + instance + "'",
                        instance, id.get());
            }
        }
        return id;
    }

    private String instance() {
        return instance != null ? instance : "saga-1";
    }

    private void append(List<?> payloads) {
        for (Object p : payloads) {
            events.add(eventAt(events.size() + 1, p));
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private Event<?> eventAt(long version, Object payload) {
        return new Event(definition.name(), instance(), version, definition.typeOf(payload), next, payload,
                EventMetadata.empty());
    }

    private S fold(S start, List<Event<?>> list) {
        S state = start;
        for (Event<?> e : list) {
            JsonNode before = JsonCodec.toTree(state);
            S after = definition.evolve(state, e);
            if (!JsonCodec.toTree(state).equals(before)) {
                throw new AssertionFailedError("evolve of saga '" + saga.name() + "' changed the state it was given"
                        + " while applying " + e.typeName() + ": return a new state instead", before,
                        JsonCodec.toTree(state));
            }
            state = after;
        }
        return state;
    }

    /** What the saga did with the input. */
    public static final class Then<S> {
        private final SagaSpecification<S> spec;
        private final S before;
        private final Decision<?> decision;
        private final SagaInput input;

        private Then(SagaSpecification<S> spec, S before, Decision<?> decision, SagaInput input) {
            this.spec = spec;
            this.before = before;
            this.decision = decision;
            this.input = input;
        }

        /** The saga does not take the observation: its {@code instanceOf} gives no instance. */
        public Then<S> thenIgnored() {
            if (decision != null) {
                throw new AssertionFailedError("expected the saga to ignore " + input + ", but it correlated it with"
                        + " instance '" + spec.instance() + "'");
            }
            return this;
        }

        /** The input decided exactly these saga events. */
        public Then<S> thenEvents(Object... expected) {
            List<?> got = emitted();
            if (!List.of(expected).equals(got)) {
                throw new AssertionFailedError("the saga decided other events", List.of(expected), got);
            }
            return this;
        }

        /** The input changed nothing (a redelivery, a late or stale input). */
        public Then<S> thenNothing() {
            return thenEvents();
        }

        /** The input was refused with this code. */
        public Then<S> thenRejected(String code) {
            if (!(decided() instanceof Decision.Reject<?> reject)) {
                throw new AssertionFailedError("expected a rejection '" + code + "', but the saga decided " + emitted());
            }
            Rejection r = reject.rejection();
            if (!r.code().equals(code)) {
                throw new AssertionFailedError("rejected with another code (" + r.message() + ")", code, r.code());
            }
            return this;
        }

        /** After the input, the state lists exactly these actions (what the runner does next, in order). */
        public Then<S> thenActions(SagaAction... expected) {
            List<SagaAction> got = actions();
            if (!List.of(expected).equals(got)) {
                throw new AssertionFailedError("the saga lists other actions", List.of(expected), got);
            }
            return this;
        }

        /** After the input, the first action the state lists sends {@code command} to {@code store}/{@code aggregateId}. */
        public Then<S> thenSends(String store, String aggregateId, Object command) {
            List<SagaAction> got = actions();
            if (got.isEmpty() || !(got.get(0) instanceof SagaAction.Send send) || !send.store().equals(store)
                    || !send.aggregateId().equals(aggregateId) || !send.command().equals(command)) {
                throw new AssertionFailedError("the saga's next action is not that command to " + store + "/"
                        + aggregateId, command, got.isEmpty() ? "no action" : got.get(0));
            }
            return this;
        }

        /** After the input, the state lists nothing: the saga waits (for a reply, a timer) or is over. */
        public Then<S> thenIdle() {
            return thenActions();
        }

        /** Checks the state after the input's events. */
        public Then<S> thenState(Consumer<S> check) {
            check.accept(after());
            return this;
        }

        /**
         * The command id the runner gives the command of action {@code actionId} of this instance
         * ("saga:{saga}:{instance}:{action id}", hashed past 200 characters): the same on every
         * redelivery, so it applies once.
         */
        public String commandIdOf(String actionId) {
            SagaAction.requireActionId(actionId);
            String id = "saga:" + spec.saga.name() + ":" + spec.instance() + ":" + actionId;
            if (id.length() <= 200) {
                return id;
            }
            try { // as the runner does past 200 characters
                return "saga:" + java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                        .digest(id.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is missing from this JVM", e);
            }
        }

        /** The actions the state lists after the input. */
        public List<SagaAction> actions() {
            List<SagaAction> after = spec.saga.manager().todo(after());
            if (input instanceof SagaInput.Replied r && !after.isEmpty() && after.get(0).id().equals(r.actionId())) {
                throw new AssertionFailedError("saga '" + spec.saga.name() + "' still lists action '" + r.actionId()
                        + "' after its reply: react(Replied) must record the reply in the state so that todo() stops"
                        + " listing it (the runner would stop the instance)");
            }
            return after;
        }

        private S after() {
            List<Event<?>> added = new ArrayList<>();
            long version = spec.events.size();
            for (Object e : emitted()) {
                added.add(spec.eventAt(++version, e));
            }
            return spec.fold(before, added);
        }

        private Decision<?> decided() {
            if (decision == null) {
                throw new AssertionFailedError("the saga '" + spec.saga.name() + "' ignored " + input
                        + " (instanceOf gave no instance)");
            }
            return decision;
        }

        private List<?> emitted() {
            if (decided() instanceof Decision.Emit<?> emit) {
                return emit.events();
            }
            throw new AssertionFailedError("expected events, but the saga refused the input: "
                    + ((Decision.Reject<?>) decision).rejection());
        }
    }
}
