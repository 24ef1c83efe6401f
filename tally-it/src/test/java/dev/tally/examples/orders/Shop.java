package dev.tally.examples.orders;

import static dev.tally.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.EventMetadata;
import dev.tally.core.EventStore;
import dev.tally.core.PageRequest;
import dev.tally.core.RecordedEvent;
import dev.tally.core.ReadOptions;
import dev.tally.core.spi.LedgerAdapter;
import dev.tally.core.runtime.FailurePolicy;
import dev.tally.core.runtime.Pipeline;
import dev.tally.core.saga.SagaRunner;
import dev.tally.core.saga.TimerPoller;
import dev.tally.core.spi.TimerStore;
import dev.tally.core.RetryPolicy;
import dev.tally.examples.bank.Account;
import dev.tally.examples.bank.BankAccount;
import dev.tally.examples.bank.Credit;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The orders app on one pipeline, for tests: the order, inventory and bank-account stores, the order
 * saga (its sends and records through a crash-injecting ledger), and a timer poller on a clock the
 * test moves. Stores in {@link #unreachable} refuse every command the saga sends them.
 */
final class Shop implements AutoCloseable {
    final Pipeline pipeline;
    final EventStore<Order.State> orders;
    final EventStore<Inventory.Stock> inventory;
    final EventStore<Account> accounts;
    final EventStore<OrderSaga.Progress> sagas;
    final SagaRunner<OrderSaga.SagaEvent, OrderSaga.Progress> runner;
    final TimerPoller poller;
    final TimerStore timers;
    final Set<String> unreachable = ConcurrentHashMap.newKeySet();
    final MovableClock clock;
    final dev.tally.core.query.EventQueries queries;

    /** A clock a test moves forward. */
    static final class MovableClock extends Clock {
        private volatile Duration offset = Duration.ZERO;

        void advance(Duration d) {
            offset = offset.plus(d);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.now().plus(offset);
        }
    }

    Shop(Pipeline pipeline, LedgerAdapter ledger, TimerStore timers, Crashes crashes, MovableClock clock) {
        this.pipeline = pipeline;
        this.timers = timers;
        this.clock = clock;
        this.queries = ledger instanceof dev.tally.core.query.EventQueries q ? q
                : ledger instanceof dev.tally.postgres.PostgresLedger p ? dev.tally.postgres.PostgresEventQueries.of(p)
                : dev.tally.dynamodb.DynamoDbEventQueries.of((dev.tally.dynamodb.DynamoDbLedger) ledger);
        orders = pipeline.store(Order.DEFINITION);
        inventory = pipeline.store(Inventory.DEFINITION);
        accounts = pipeline.store(BankAccount.DEFINITION);
        sagas = pipeline.store(OrderSaga.SAGA.definition());
        // what the saga writes goes through a ledger that may crash before or after each write
        LedgerAdapter crashing = crashes.around(ledger);
        Map<String, EventStore<?>> sendTo = Map.of(
                Order.STORE, EventStore.builder(Order.DEFINITION, crashing).build(),
                Inventory.STORE, EventStore.builder(Inventory.DEFINITION, crashing).build(),
                BankAccount.STORE, EventStore.builder(BankAccount.DEFINITION, crashing).build());
        runner = new SagaRunner<>(OrderSaga.SAGA, EventStore.builder(OrderSaga.SAGA.definition(), crashing).build(),
                store -> {
                    if (unreachable.contains(store)) {
                        throw new IllegalStateException("store " + store + " is unreachable (test)");
                    }
                    return sendTo.get(store);
                }, crashes.around(timers),
                new FailurePolicy(new RetryPolicy(40, Duration.ofMillis(2), Duration.ofMillis(40)), false), clock);
        pipeline.subscribe(runner.observer());
        pipeline.subscribe(runner.worker());
        pipeline.start();
        poller = new TimerPoller(timers, List.of(runner), clock, Duration.ofMillis(50)).start();
    }

    void restock(String sku, long quantity) {
        assertThat(inventory.execute(sku, new Inventory.Restock(quantity)).isAccepted()).isTrue();
    }

    void credit(String account, long amount) {
        assertThat(accounts.execute(account, new Credit(amount)).isAccepted()).isTrue();
    }

    void place(String orderId, String account, long timeoutSeconds, Order.Line... lines) {
        assertThat(orders.execute(orderId, new Order.Place(account, List.of(lines), timeoutSeconds)).isAccepted())
                .isTrue();
    }

    Order.State awaitOutcome(String orderId) {
        eventually(Duration.ofMinutes(2), () -> {
            assertThat(sagas.load(orderId).state().finished()).as("saga of %s finished: %s", orderId,
                    sagas.load(orderId).state()).isTrue();
        });
        return orders.load(orderId).state();
    }

    /** Events of a stream caused by the saga instance of {@code orderId}, of the given type. */
    long applied(EventStore<?> store, String aggregateId, String orderId, String eventType) {
        long n = 0;
        for (RecordedEvent e : store.read(aggregateId, ReadOptions.ALL)) {
            if (e.type().equals(eventType) && e.metadata().causationId() != null
                    && e.metadata().causationId().startsWith(OrderSaga.NAME + "/" + orderId + "@")) {
                n++;
            }
        }
        return n;
    }

    List<String> orderIds() {
        return orders.listAggregateIds(PageRequest.first(1000)).items();
    }

    @Override
    public void close() {
        poller.close();
        pipeline.close();
    }

    static EventMetadata none() {
        return EventMetadata.empty();
    }
}
