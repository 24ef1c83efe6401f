package dev.tally.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.AggregateDefinition;
import dev.tally.core.DecisionContext;
import dev.tally.core.Event;
import dev.tally.core.EventMetadata;
import dev.tally.core.command.Command;
import dev.tally.core.command.Decision;
import dev.tally.core.command.Rejection;
import dev.tally.core.json.JsonCodec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import org.opentest4j.AssertionFailedError;

/**
 * Given / when / then on the decider alone: no store, no ledger, no JSON. Given events (each at
 * its own timestamp when it matters), when a command, then these events or this rejection.
 *
 * <pre>{@code
 * DeciderSpecification.of(BankAccount.DEFINITION)
 *     .given(new Credited(100))
 *     .given(Instant.parse("2026-10-31T23:00:00Z"), new Debited(30))   // an event with its own time
 *     .when(new Debit(80))
 *     .thenRejected("insufficient_funds");
 *
 * DeciderSpecification.of(Loan.DEFINITION, "loan-7")          // the aggregate id the decision sees
 *     .now(Instant.parse("2026-03-01T10:00:00Z"))               // the time it sees (DecisionContext.now())
 *     .when(new Lend("member-1", Instant.parse("2026-02-01T00:00:00Z")))
 *     .thenRejected("due_in_the_past");
 * }</pre>
 *
 * The decision's {@link DecisionContext} names the aggregate ({@code "spec-1"} unless given) and
 * gives the time set with {@link #now(Instant)}, by default one second after the last given event
 * (or {@link #DEFAULT_START}): a specification decides the same way on every run.
 *
 * Every fold also checks that {@code evolve} returns a new state instead of changing the one it was
 * given (states are shared by the aggregate caches), and fails the test when it does.
 */
public final class DeciderSpecification<S> {
    /** Events given without a timestamp happen one second apart from this instant. */
    public static final Instant DEFAULT_START = Instant.parse("2026-01-01T00:00:00Z");

    private final AggregateDefinition<S> definition;
    private final String aggregateId;
    private final List<Event<?>> given = new ArrayList<>();
    private Instant next = DEFAULT_START;
    private Instant now;

    private DeciderSpecification(AggregateDefinition<S> definition, String aggregateId) {
        this.definition = Objects.requireNonNull(definition, "definition");
        this.aggregateId = aggregateId;
    }

    public static <S> DeciderSpecification<S> of(AggregateDefinition<S> definition) {
        return of(definition, "spec-1");
    }

    /** A specification of the aggregate {@code aggregateId} (what {@link DecisionContext#aggregateId()} says). */
    public static <S> DeciderSpecification<S> of(AggregateDefinition<S> definition, String aggregateId) {
        return new DeciderSpecification<>(definition, dev.tally.core.internal.Names.requireAggregateId(aggregateId));
    }

    /** The time the decision sees as {@link DecisionContext#now()}. */
    public DeciderSpecification<S> now(Instant now) {
        this.now = Objects.requireNonNull(now, "now");
        return this;
    }

    /** The context the decision is taken in: this aggregate, after the given events, at {@link #now(Instant)}. */
    public DecisionContext context() {
        return new DecisionContext(aggregateId, given.size(), now != null ? now : next);
    }

    /** Events that happened, one second apart (after the last timestamp given). */
    public DeciderSpecification<S> given(Object... events) {
        for (Object e : events) {
            given(next, e);
        }
        return this;
    }

    /** An event that happened at {@code at}. */
    public DeciderSpecification<S> given(Instant at, Object event) {
        given.add(eventAt(given.size() + 1, at, event));
        next = at.plus(Duration.ofSeconds(1));
        return this;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private Event<?> eventAt(long version, Instant at, Object payload) {
        return new Event(definition.name(), aggregateId, version, definition.typeOf(payload), at, payload,
                EventMetadata.empty());
    }

    /** The state after the given events. */
    public S state() {
        return fold(definition.initialState(), given);
    }

    private S fold(S start, List<Event<?>> events) {
        S state = start;
        for (Event<?> e : events) {
            JsonNode before = JsonCodec.toTree(state);
            S after = definition.evolve(state, e);
            if (!JsonCodec.toTree(state).equals(before)) {
                throw new AssertionFailedError("evolve of '" + definition.name() + "' changed the state it was given"
                        + " while applying " + e.typeName() + " v" + e.version() + ": return a new state instead"
                        + " (states are shared by caches)", before, JsonCodec.toTree(state));
            }
            state = after;
        }
        return state;
    }

    /** Decides the command on the state the given events make. */
    public Then<S> when(Command<S> command) {
        S state = state();
        return new Then<>(this, state, definition.decide(command, state, context()));
    }

    /** What the decider decided. */
    public static final class Then<S> {
        private final DeciderSpecification<S> spec;
        private final S before;
        private final Decision<?> decision;

        private Then(DeciderSpecification<S> spec, S before, Decision<?> decision) {
            this.spec = spec;
            this.before = before;
            this.decision = decision;
        }

        /** The command decided exactly these events. */
        public Then<S> then(Object... expected) {
            List<?> got = emitted();
            if (!List.of(expected).equals(got)) {
                throw new AssertionFailedError("the command decided other events", List.of(expected), got);
            }
            return this;
        }

        /** The command decided to change nothing. */
        public Then<S> thenNothing() {
            return then();
        }

        /** The command was rejected with this code. */
        public Then<S> thenRejected(String code) {
            if (!(decision instanceof Decision.Reject<?> reject)) {
                throw new AssertionFailedError("expected a rejection '" + code + "', but the command decided "
                        + emitted());
            }
            Rejection r = reject.rejection();
            if (!r.code().equals(code)) {
                throw new AssertionFailedError("rejected with another code (" + r.message() + ")", code, r.code());
            }
            return this;
        }

        /** The rejection's message, for assertions on what it tells the user. */
        public String rejectionMessage() {
            if (!(decision instanceof Decision.Reject<?> reject)) {
                throw new AssertionFailedError("the command was not rejected: it decided " + emitted());
            }
            return reject.rejection().message();
        }

        /** Checks the state after the decided events are applied. */
        public Then<S> thenState(Consumer<S> check) {
            List<Event<?>> events = new ArrayList<>();
            long version = spec.given.size();
            for (Object e : emitted()) {
                events.add(spec.eventAt(++version, spec.next, e));
            }
            check.accept(spec.fold(before, events));
            return this;
        }

        private List<?> emitted() {
            if (decision instanceof Decision.Emit<?> emit) {
                return emit.events();
            }
            throw new AssertionFailedError("expected events, but the command was rejected: "
                    + ((Decision.Reject<?>) decision).rejection());
        }
    }
}
