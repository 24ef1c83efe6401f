package dev.tally.testing;

import dev.tally.core.Aggregate;
import dev.tally.core.AggregateDefinition;
import dev.tally.core.EventMetadata;
import dev.tally.core.EventStore;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.command.Command;
import dev.tally.core.command.CommandResult;
import dev.tally.core.memory.InMemoryLedger;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.opentest4j.AssertionFailedError;

/**
 * Given / when / then through a real event store over an in-memory ledger (the second tier, after
 * the pure {@link DeciderSpecification}): what passes here went through encoding, the conditional
 * append, decoding and the fold, as it will on DynamoDB.
 *
 * <pre>{@code
 * AggregateFixture.of(BankAccount.DEFINITION)
 *     .given(new Credited(100))
 *     .when(new Debit(30))
 *     .thenEvents(new Debited(30))
 *     .thenState(account -> assertEquals(70, account.balance()));
 * }</pre>
 *
 * The aggregate is {@code "fixture-1"} unless {@link #of(AggregateDefinition, String)} names it; the
 * store's clock (the events' timestamps and {@link dev.tally.core.DecisionContext#now()}) stands at
 * {@link DeciderSpecification#DEFAULT_START} until {@link #now(java.time.Instant)} moves it.
 */
public final class AggregateFixture<S> {
    private static final String DEFAULT_ID = "fixture-1";
    private final EventStore<S> store;
    private final String aggregateId;
    private final List<Object> given = new ArrayList<>();
    private final MutableClock clock = new MutableClock(DeciderSpecification.DEFAULT_START);

    private AggregateFixture(AggregateDefinition<S> definition, String aggregateId) {
        this.store = EventStore.builder(definition, new InMemoryLedger()).clock(clock).build();
        this.aggregateId = dev.tally.core.internal.Names.requireAggregateId(aggregateId);
    }

    /** Sets the store's clock: what the next events are stamped with and what the decision sees as now. */
    public AggregateFixture<S> now(java.time.Instant now) {
        clock.set(now);
        return this;
    }

    public static <S> AggregateFixture<S> of(AggregateDefinition<S> definition) {
        return new AggregateFixture<>(definition, DEFAULT_ID);
    }

    public static <S> AggregateFixture<S> of(AggregateDefinition<S> definition, String aggregateId) {
        return new AggregateFixture<>(definition, aggregateId);
    }

    /** Events that happened before the command. */
    public AggregateFixture<S> given(Object... events) {
        given.addAll(List.of(events));
        return this;
    }

    /** Runs the command against the given history. */
    public Then<S> when(Command<S> command) {
        appendGiven();
        CommandResult<S> result = store.execute(aggregateId, command);
        return new Then<>(store, result);
    }

    /** Folds the given events, without a command. */
    public Aggregate<S> state() {
        appendGiven();
        return store.load(aggregateId);
    }

    private void appendGiven() {
        if (!given.isEmpty()) {
            store.append(aggregateId, store.load(aggregateId).version(), given, EventMetadata.empty());
            given.clear();
        }
    }

    /** Assertions on what the command did. */
    public static final class Then<S> {
        private final EventStore<S> store;
        private final CommandResult<S> result;

        private Then(EventStore<S> store, CommandResult<S> result) {
            this.store = store;
            this.result = result;
        }

        /** The command was accepted and wrote exactly these events (read back from the ledger). */
        public Then<S> thenEvents(Object... expected) {
            if (!(result instanceof CommandResult.Accepted<S> accepted)) {
                throw new AssertionFailedError("expected events, but the command was rejected: "
                        + ((CommandResult.Rejected<S>) result).rejection());
            }
            List<Object> got = new ArrayList<>();
            for (RecordedEvent e : accepted.events()) {
                got.add(store.definition().decode(e).payload());
            }
            if (!List.of(expected).equals(got)) {
                throw new AssertionFailedError("the command wrote other events", List.of(expected), got);
            }
            return this;
        }

        /** The command was accepted and wrote nothing. */
        public Then<S> thenNoEvents() {
            return thenEvents();
        }

        /** The command was rejected with this code, and nothing was written. */
        public Then<S> thenRejected(String code) {
            if (!(result instanceof CommandResult.Rejected<S> rejected)) {
                throw new AssertionFailedError("expected a rejection '" + code + "', but the command wrote "
                        + ((CommandResult.Accepted<S>) result).events().size() + " event(s)");
            }
            if (!rejected.rejection().code().equals(code)) {
                throw new AssertionFailedError("rejected with another code", code, rejected.rejection().code());
            }
            int stored = store.read(rejected.aggregate().aggregateId(), ReadOptions.ALL).size();
            if (stored != rejected.aggregate().version()) {
                throw new AssertionFailedError("a rejected command must not write events");
            }
            return this;
        }

        /** Checks the state after the command. */
        public Then<S> thenState(Consumer<S> check) {
            check.accept(result.aggregate().state());
            return this;
        }

        public CommandResult<S> result() {
            return result;
        }
    }
}
