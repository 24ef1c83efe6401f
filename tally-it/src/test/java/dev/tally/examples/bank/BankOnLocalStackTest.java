package dev.tally.examples.bank;

import static dev.tally.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.EventStore;
import dev.tally.core.PageRequest;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.internal.Chaos;
import dev.tally.core.runtime.DeadLetter;
import dev.tally.core.message.Message;
import dev.tally.core.message.MessageFilter;
import dev.tally.core.runtime.DeadLetterSource;
import dev.tally.core.runtime.FailurePolicy;
import dev.tally.core.runtime.Target;
import dev.tally.core.projection.ProjectionWriter;
import dev.tally.core.projection.Projector;
import dev.tally.dynamodb.DynamoDbProjectionWriter;
import dev.tally.dynamodb.DynamoDbTables;
import dev.tally.dynamodb.TableDefinitions;
import dev.tally.local.LocalDynamoDb;
import dev.tally.local.LocalPipeline;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Seed 000 end to end on the one-JVM serverless stack: commands, DynamoDB Local ledger, its real
 * stream polled like an event source mapping, the dispatcher Lambda handler, the real SDK
 * publishing to the local EventBridge endpoint, event-ruler rules, projectors writing DynamoDB
 * view tables.
 */
class BankOnLocalStackTest {
    static LocalDynamoDb db;
    LocalPipeline pipeline;
    EventStore<Account> accounts;
    BankProjections projections;

    @BeforeAll
    static void startDynamoDb() {
        db = LocalDynamoDb.inMemory();
    }

    @AfterAll
    static void stopDynamoDb() {
        db.close();
    }

    @AfterEach
    void stopPipeline() {
        if (pipeline != null) {
            pipeline.close();
        }
    }

    /** A fresh stack (own tables) with the bank's three projections on DynamoDB tables. */
    void stack(Chaos chaos, boolean subscribeProjectors) {
        String prefix = "t" + UUID.randomUUID().toString().substring(0, 8);
        pipeline = LocalPipeline.builder(db).tablePrefix(prefix).chaos(chaos).build();
        projections = new BankProjections(view(prefix + "-balance", BalanceView.class),
                view(prefix + "-last-transaction", LastTransaction.class),
                view(prefix + "-last-month", LastMonthBalanceView.class));
        accounts = pipeline.store(BankAccount.DEFINITION);
        if (subscribeProjectors) {
            projections.projectOn(pipeline);
        }
    }

    <V> ProjectionWriter<V> view(String table, Class<V> type) {
        DynamoDbTables.createIfMissing(pipeline.dynamoDbClient(), TableDefinitions.views(table));
        return new DynamoDbProjectionWriter<>(pipeline.dynamoDbClient(), table, type);
    }

    void randomTraffic(int threads, int perThread, int accountsCount) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int seed = t;
            futures.add(pool.submit(() -> {
                Random r = new Random(seed);
                for (int i = 0; i < perThread; i++) {
                    String id = "acc-" + r.nextInt(accountsCount);
                    accounts.execute(id, r.nextInt(3) == 0 ? new Debit(1 + r.nextInt(30))
                            : new Credit(1 + r.nextInt(30)));
                }
            }));
        }
        for (Future<?> f : futures) {
            f.get(5, TimeUnit.MINUTES);
        }
        pool.shutdown();
    }

    long ledgerSize() {
        long events = 0;
        for (String id : accounts.listAggregateIds(PageRequest.first(100)).items()) {
            events += accounts.load(id).version();
        }
        return events;
    }

    void assertViewsConvergeToTheLedger() {
        List<String> ids = accounts.listAggregateIds(PageRequest.first(100)).items();
        assertThat(ids).isNotEmpty();
        eventually(() -> {
            for (String id : ids) {
                assertThat(projections.account(id)).as("read model of %s", id)
                        .contains(BankProjections.expected(accounts.load(id)));
            }
        });
    }

    @Test
    void viewsConvergeToTheLedgersFold() throws Exception {
        stack(Chaos.NONE, true);
        pipeline.start();
        randomTraffic(4, 40, 5);
        assertViewsConvergeToTheLedger();
        assertThat(pipeline.deadLetters().count()).isZero();
        assertThat(pipeline.stats().dispatched()).as("every stored event dispatched").isGreaterThanOrEqualTo(ledgerSize());
    }

    @Test
    void viewsConvergeUnderChaos() throws Exception {
        stack(new Chaos(0.3, Duration.ofMillis(20), true), true);
        pipeline.start();
        randomTraffic(4, 40, 5);
        assertViewsConvergeToTheLedger();
        assertThat(pipeline.deadLetters().count()).isZero();
        long deliveries = pipeline.stats().targets().stream().mapToLong(t -> t.delivered()).sum();
        long dispatched = pipeline.stats().dispatched();
        assertThat(dispatched).isGreaterThanOrEqualTo(ledgerSize());
        assertThat(deliveries).as("30% duplicates on 3 targets").isGreaterThan(dispatched * 3);
    }

    @Test
    void aFailingProjectorIsRetriedThenDeadLetteredAndRedriveMakesTheViewRight() {
        stack(Chaos.NONE, false);
        AtomicBoolean broken = new AtomicBoolean(true);
        AtomicInteger attempts = new AtomicInteger();
        Projector<Account, ?> balance = projections.projectors().get(0);
        pipeline.subscribe(new Target("balance", balance.projection().filter(), m -> {
            attempts.incrementAndGet();
            if (broken.get()) {
                throw new IllegalStateException("balance projector bug");
            }
            balance.handle(m);
        }, FailurePolicy.DEFAULT));
        pipeline.start();
        accounts.execute("alice", new Credit(100));
        accounts.execute("alice", new Debit(30));
        eventually(() -> assertThat(pipeline.deadLetters().count()).isEqualTo(2));
        assertThat(attempts.get()).as("each message tried %d times", FailurePolicy.DEFAULT.maxAttempts())
                .isEqualTo(2 * FailurePolicy.DEFAULT.maxAttempts());
        assertThat(pipeline.deadLetterStore().list()).extracting(DeadLetter::source)
                .containsOnly(new DeadLetterSource.BusTarget("balance"));
        assertThat(pipeline.deadLetterStore().list().get(0).error()).contains("balance projector bug");
        assertThat(projections.balances().read("alice")).isEmpty();

        broken.set(false);
        assertThat(pipeline.deadLetters().redriveAll(null)).isEqualTo(2);
        assertThat(pipeline.deadLetters().count()).isZero();
        assertThat(projections.balances().read("alice").orElseThrow().view()).isEqualTo(new BalanceView(70));
        assertThat(projections.balances().read("alice").orElseThrow().version()).isEqualTo(2);
    }

    @Test
    void killingThePollerMidRunAndRestartingItDispatchesEveryEventAtLeastOnce() throws Exception {
        stack(Chaos.NONE, true);
        Set<String> seen = ConcurrentHashMap.newKeySet();
        pipeline.subscribe(Target.of("witness", MessageFilter.stateOf(BankAccount.STORE),
                (Message m) -> seen.add(m.event().coordinates())));
        pipeline.start();
        ExecutorService writer = Executors.newSingleThreadExecutor();
        Future<?> traffic = writer.submit(() -> {
            for (int i = 0; i < 150; i++) {
                accounts.execute("acc-" + (i % 4), new Credit(1 + i % 7));
            }
        });
        eventually(() -> assertThat(seen.size()).isGreaterThan(20));
        pipeline.stopPoller(); // killed mid-run, with traffic still going
        long readBeforeKill = pipeline.poller().stats().recordsRead();
        Thread.sleep(300);
        pipeline.startPoller();
        traffic.get(2, TimeUnit.MINUTES);
        writer.shutdown();

        Set<String> all = ConcurrentHashMap.newKeySet();
        for (int a = 0; a < 4; a++) {
            for (RecordedEvent e : accounts.read("acc-" + a, ReadOptions.ALL)) {
                all.add(e.coordinates());
            }
        }
        assertThat(all).hasSize(150);
        eventually(() -> assertThat(seen).containsAll(all));
        long readAfterRestart = pipeline.poller().stats().recordsRead();
        assertThat(readAfterRestart).as("the new poller resumed at the checkpoint, not at the start")
                .isLessThan(150);
        assertThat(readBeforeKill + readAfterRestart).isGreaterThanOrEqualTo(150);
        assertViewsConvergeToTheLedger();
    }

    @Test
    void aReplayEventRefreshesEveryProjectionOfThatAccount() {
        stack(Chaos.NONE, true);
        pipeline.start();
        accounts.execute("alice", new Credit(100));
        accounts.execute("alice", new Debit(30));
        accounts.execute("bob", new Credit(5));
        eventually(() -> assertThat(projections.account("alice")).isPresent());
        assertThat(pipeline.awaitQuiet(Duration.ofSeconds(20))).isTrue();

        projections.balances().delete("alice");
        projections.lastTransactions().delete("alice");
        projections.lastMonthBalances().delete("alice");
        assertThat(projections.account("alice")).isEmpty();

        RecordedEvent replay = accounts.requestReplay("alice", "projections wiped");
        eventually(() -> {
            assertThat(projections.balances().read("alice").orElseThrow().version()).isEqualTo(replay.version());
            assertThat(projections.lastTransactions().read("alice").orElseThrow().version()).isEqualTo(replay.version());
            assertThat(projections.lastMonthBalances().read("alice").orElseThrow().version())
                    .isEqualTo(replay.version());
        });
        assertThat(projections.account("alice").orElseThrow().balance()).isEqualTo(70);
        assertThat(projections.account("alice").orElseThrow().lastTransaction().type()).isEqualTo("debit");
        assertThat(accounts.load("alice").state().balance()).isEqualTo(70);
        assertThat(projections.balances().read("bob").orElseThrow().version()).as("bob untouched").isEqualTo(1);
    }

}
