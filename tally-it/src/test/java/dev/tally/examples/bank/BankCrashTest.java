package dev.tally.examples.bank;

import static dev.tally.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.EventStore;
import dev.tally.core.PageRequest;
import dev.tally.core.RetryPolicy;
import dev.tally.core.message.MessageHandler;
import dev.tally.core.projection.ProjectionWriter;
import dev.tally.core.projection.Projector;
import dev.tally.core.internal.Chaos;
import dev.tally.core.runtime.ConvergenceCheck;
import dev.tally.core.runtime.FailurePolicy;
import dev.tally.core.runtime.Target;
import dev.tally.core.runtime.TargetStats;
import dev.tally.core.spi.Checkpoint;
import dev.tally.core.spi.CheckpointStore;
import dev.tally.dynamodb.DynamoDbProjectionWriter;
import dev.tally.dynamodb.DynamoDbTables;
import dev.tally.dynamodb.TableDefinitions;
import dev.tally.local.LocalDynamoDb;
import dev.tally.local.LocalPipeline;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Crashes at each step boundary of the local stack, and at random instants: a pipeline is
 * {@link LocalPipeline#halt() halted} (nothing drained, flushed or checkpointed, as kill -9 would)
 * while DynamoDB Local keeps its tables, as the data directory would; a new pipeline is started on
 * the same tables. Every view must then converge to the fold of the ledger with no manual action:
 * no redrive, no replay, no repair.
 */
class BankCrashTest {
    static LocalDynamoDb db;
    String prefix;
    LocalPipeline pipeline;
    EventStore<Account> accounts;
    BankProjections projections;
    final CountDownLatch never = new CountDownLatch(1);

    @BeforeAll
    static void startDynamoDb() {
        db = LocalDynamoDb.inMemory();
    }

    @AfterAll
    static void stopDynamoDb() {
        db.close();
    }

    @BeforeEach
    void freshTables() {
        prefix = "c" + UUID.randomUUID().toString().substring(0, 8);
    }

    @AfterEach
    void stop() {
        never.countDown();
        if (pipeline != null) {
            pipeline.close();
        }
    }

    /** Opens the stack on this test's tables; {@code wrap} may replace each projector's handler. */
    void open(Chaos chaos, BiFunction<Projector<Account, ?>, MessageHandler, MessageHandler> wrap,
              UnaryOperator<CheckpointStore> checkpoints) {
        pipeline = LocalPipeline.builder(db).tablePrefix(prefix).chaos(chaos).streamCheckpoints(checkpoints)
                .drain(Duration.ofSeconds(2)).build();
        accounts = pipeline.store(BankAccount.DEFINITION);
        projections = new BankProjections(view("balance", BalanceView.class),
                view("last-transaction", LastTransaction.class), view("last-month", LastMonthBalanceView.class));
        if (wrap == null) {
            projections.projectOn(pipeline);
        } else {
            for (Projector<Account, ?> p : projections.projectors()) {
                pipeline.subscribe(new Target(p.name(), p.projection().filter(), wrap.apply(p, p),
                        FailurePolicy.of(new RetryPolicy(1000, Duration.ofMillis(5), Duration.ofMillis(20)))));
            }
        }
        pipeline.start();
    }

    void openNormally() {
        open(Chaos.NONE, null, null);
    }

    <V> ProjectionWriter<V> view(String name, Class<V> type) {
        String table = prefix + "-" + name;
        DynamoDbTables.createIfMissing(db.client(), TableDefinitions.views(table));
        return new DynamoDbProjectionWriter<>(db.client(), table, type);
    }

    void crash() {
        pipeline.halt();
        pipeline = null;
    }

    void traffic(int commands, int accountCount, long seed) {
        Random r = new Random(seed);
        for (int i = 0; i < commands; i++) {
            String id = "acc-" + r.nextInt(accountCount);
            accounts.execute(id, r.nextInt(4) == 0 ? new Debit(1 + r.nextInt(20))
                    : new Credit(1 + r.nextInt(50)));
        }
    }

    long ledgerEvents() {
        long n = 0;
        for (String id : accounts.listAggregateIds(PageRequest.first(1000)).items()) {
            n += accounts.load(id).version();
        }
        return n;
    }

    /** After a restart: every view equals the fold, within 30 s, with no manual action. */
    void assertEveryViewConvergesAfterARestart() {
        openNormally();
        List<String> ids = accounts.listAggregateIds(PageRequest.first(1000)).items();
        assertThat(ids).isNotEmpty();
        eventually(Duration.ofSeconds(30), () -> {
            for (String id : ids) {
                assertThat(projections.account(id)).as("the views of %s", id)
                        .contains(BankProjections.expected(accounts.load(id)));
            }
        });
        assertThat(pipeline.deadLetters().count()).isZero();
    }

    @Test
    void aCrashRightAfterPutEventsWasAcceptedLosesNoDelivery() {
        AtomicInteger entered = new AtomicInteger();
        open(Chaos.NONE, (p, h) -> m -> {
            entered.incrementAndGet();
            never.await(); // nothing is delivered before the crash
        }, null);
        traffic(40, 5, 1);
        long events = ledgerEvents();
        // the stream checkpoint moves once PutEvents accepted: wait until every event was accepted
        eventually(() -> assertThat(pipeline.eventBridge().receivedCount()).isGreaterThanOrEqualTo(events));
        eventually(() -> assertThat(entered.get()).isPositive());
        assertThat(projections.balances().list(PageRequest.first(100)).items()).as("nothing delivered yet").isEmpty();
        crash();
        assertEveryViewConvergesAfterARestart();
    }

    @Test
    void aCrashDuringADeliveryLosesNothing() throws Exception {
        CountDownLatch inside = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        open(Chaos.NONE, (p, h) -> m -> {
            if (p.name().equals(BankProjections.BALANCE) && calls.incrementAndGet() >= 15) {
                inside.countDown();
                never.await(); // stuck inside the projector when the process dies
            }
            h.handle(m);
        }, null);
        traffic(40, 5, 2);
        assertThat(inside.await(30, TimeUnit.SECONDS)).isTrue();
        crash();
        assertEveryViewConvergesAfterARestart();
    }

    @Test
    void aCrashAfterAViewWriteBeforeItsDeliveryWasMarkedDoneConverges() throws Exception {
        CountDownLatch written = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        open(Chaos.NONE, (p, h) -> m -> {
            h.handle(m);
            if (calls.incrementAndGet() >= 20) {
                written.countDown();
                never.await(); // the view is written; the delivery is not finished
            }
        }, null);
        traffic(40, 5, 3);
        assertThat(written.await(30, TimeUnit.SECONDS)).isTrue();
        crash();
        assertEveryViewConvergesAfterARestart();
    }

    @Test
    void aCrashAfterADispatchBeforeTheStreamCheckpointConverges() throws Exception {
        CountDownLatch stuck = new CountDownLatch(1);
        AtomicInteger saves = new AtomicInteger();
        AtomicBoolean block = new AtomicBoolean(true);
        open(Chaos.NONE, null, real -> new CheckpointStore() {
            @Override
            public Checkpoint load(String shardId) {
                return real.load(shardId);
            }

            @Override
            public void save(Checkpoint checkpoint) {
                if (block.get() && saves.incrementAndGet() >= 3) {
                    stuck.countDown();
                    try {
                        never.await(); // dispatched and published; the checkpoint never gets written
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("killed");
                    }
                }
                real.save(checkpoint);
            }
        });
        for (int i = 0; i < 40 && stuck.getCount() > 0; i++) {
            traffic(2, 5, 100 + i);
            Thread.sleep(20);
        }
        assertThat(stuck.await(30, TimeUnit.SECONDS)).isTrue();
        traffic(10, 5, 4); // more events behind the stuck batch
        crash();
        assertEveryViewConvergesAfterARestart();
    }

    @Test
    void crashesAtRandomInstantsUnderChaosLoseNothing() throws Exception {
        Random random = new Random(20261129L);
        for (int round = 0; round < 4; round++) {
            open(round % 2 == 0 ? Chaos.typical() : Chaos.NONE, null, null);
            AtomicBoolean running = new AtomicBoolean(true);
            EventStore<Account> store = accounts;
            int r = round;
            Thread writer = new Thread(() -> {
                Random w = new Random(r);
                while (running.get()) {
                    String id = "acc-" + w.nextInt(8);
                    store.execute(id, w.nextInt(4) == 0 ? new Debit(1 + w.nextInt(20))
                            : new Credit(1 + w.nextInt(50)));
                }
            });
            writer.start();
            Thread.sleep(300 + random.nextInt(1200));
            crash(); // in the middle of everything
            running.set(false);
            writer.join(10_000);
        }
        assertEveryViewConvergesAfterARestart();
    }

    @Test
    void verifyFindsStaleViewsAndRepairSendsOneMessagePerStaleAggregateToThatProjectionOnly() {
        openNormally();
        traffic(60, 6, 5);
        assertThat(pipeline.awaitQuiet(Duration.ofSeconds(30))).isTrue();
        assertThat(pipeline.verify(false).converged()).isTrue();

        projections.balances().delete("acc-1");
        projections.balances().delete("acc-2");
        projections.lastTransactions().delete("acc-2");
        ConvergenceCheck.Report found = pipeline.verify(false);
        assertThat(found.staleCount()).isEqualTo(3);
        assertThat(found.stale()).extracting(ConvergenceCheck.Stale::projection, ConvergenceCheck.Stale::aggregateId)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("balance", "acc-1"),
                        org.assertj.core.groups.Tuple.tuple("balance", "acc-2"),
                        org.assertj.core.groups.Tuple.tuple("last-transaction", "acc-2"));
        assertThat(found.repaired()).isZero();

        long balanceBefore = delivered(BankProjections.BALANCE);
        long lastTransactionBefore = delivered(BankProjections.LAST_TRANSACTION);
        long lastMonthBefore = delivered(BankProjections.LAST_MONTH_BALANCE);
        ConvergenceCheck.Report repaired = pipeline.verify(true);
        assertThat(repaired.repaired()).isEqualTo(3);
        assertThat(pipeline.awaitQuiet(Duration.ofSeconds(30))).isTrue();
        assertThat(delivered(BankProjections.BALANCE) - balanceBefore).as("one message per stale balance view")
                .isEqualTo(2);
        assertThat(delivered(BankProjections.LAST_TRANSACTION) - lastTransactionBefore).isEqualTo(1);
        assertThat(delivered(BankProjections.LAST_MONTH_BALANCE) - lastMonthBefore).as("not sent to the others")
                .isZero();
        assertThat(pipeline.verify(false).converged()).isTrue();
        for (String id : List.of("acc-1", "acc-2")) {
            assertThat(projections.account(id)).contains(BankProjections.expected(accounts.load(id)));
        }
    }

    long delivered(String target) {
        return pipeline.stats().targets().stream().filter(t -> t.target().equals(target))
                .mapToLong(TargetStats::delivered).sum();
    }
}
