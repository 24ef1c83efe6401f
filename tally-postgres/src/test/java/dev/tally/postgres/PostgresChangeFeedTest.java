package dev.tally.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.AggregateDefinition;
import dev.tally.core.EventStore;
import dev.tally.core.command.Decision;
import dev.tally.core.spi.BatchHandler;
import dev.tally.core.runtime.Dispatcher;
import dev.tally.core.message.Message;
import dev.tally.core.spi.MessageBus;
import dev.tally.core.message.StateCarryingMessage;
import dev.tally.testing.TestEvents;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** The change feed: catch-up over the global order, woken by LISTEN/NOTIFY, feeding the dispatcher. */
class PostgresChangeFeedTest {
    sealed interface TotalEvent permits Added {
    }

    record Added(long amount) implements TotalEvent {
    }

    sealed interface TotalCommand extends dev.tally.core.command.Command<Long> permits Add {
    }

    record Add(long amount) implements TotalCommand {
    }

    static final AggregateDefinition<Long> TOTAL = AggregateDefinition.of("total", Long.class, TotalCommand.class,
            TotalEvent.class, dev.tally.core.Decider.of(0L,
                    (TotalCommand c, Long total) -> Decision.emit(new Added(((Add) c).amount())),
                    (total, e) -> total + ((Added) e.payload()).amount()));

    /** A bus that keeps what it is given. */
    static final class RecordingBus implements MessageBus {
        final List<StateCarryingMessage> messages = new CopyOnWriteArrayList<>();

        @Override
        public void publish(List<? extends Message> batch) {
            batch.forEach(m -> messages.add((StateCarryingMessage) m));
        }
    }

    private final PostgresTables tables = TestDatabase.freshTables("feed");
    private final PostgresLedger ledger = new PostgresLedger(TestDatabase.dataSource(), tables);
    private final PostgresCheckpointStore checkpoints = new PostgresCheckpointStore(TestDatabase.dataSource(), tables);
    private final EventStore<Long> totals = EventStore.builder(TOTAL, ledger).build();

    @Test
    void fourConcurrentWritersEveryEventDispatchedNoneSkippedAndARestartResumesFromTheCheckpoint()
            throws Exception {
        RecordingBus bus = new RecordingBus();
        Dispatcher dispatcher = new Dispatcher(List.of(totals), bus);
        int writers = 4;
        int perWriter = 150;
        try (PostgresChangeFeed feed = PostgresChangeFeed.builder("dispatcher", ledger, checkpoints,
                BatchHandler.of(dispatcher)).batchSize(40).build().start()) {
            ExecutorService pool = Executors.newFixedThreadPool(writers);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                futures.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < perWriter; i++) {
                        String id = "w" + writer + "-" + (i % 5);
                        totals.execute(id, new Add(1 + writer));
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : futures) {
                f.get(2, TimeUnit.MINUTES);
            }
            pool.shutdown();
            int total = writers * perWriter;
            await(() -> feed.handledCount() >= total, Duration.ofSeconds(60));
            assertThat(feed.handledCount()).isEqualTo(total);
        }

        Set<String> dispatched = new HashSet<>();
        for (StateCarryingMessage m : bus.messages) {
            assertThat(dispatched.add(m.event().coordinates())).as("dispatched once: %s", m.event().coordinates())
                    .isTrue();
            // the state carried is the aggregate as of that event's own version
            long writer = m.event().aggregateId().charAt(1) - '0';
            assertThat(m.aggregate(Long.class).state()).isEqualTo(m.event().version() * (1 + writer));
        }
        assertThat(dispatched).isEqualTo(allStored());
        // events of one aggregate come in version order (each append's transaction follows its predecessor's)
        Map<String, Long> lastVersion = new ConcurrentHashMap<>();
        for (StateCarryingMessage m : bus.messages) {
            Long previous = lastVersion.put(m.event().aggregateId(), m.event().version());
            assertThat(m.event().version()).isEqualTo(previous == null ? 1 : previous + 1);
        }

        // restart: only what was appended since the checkpoint is delivered
        long checkpoint = checkpoints.load("dispatcher").position().asLong();
        assertThat(checkpoint).isPositive();
        totals.execute("late", new Add(5));
        RecordingBus afterRestart = new RecordingBus();
        try (PostgresChangeFeed feed = PostgresChangeFeed.builder("dispatcher", ledger, checkpoints,
                BatchHandler.of(new Dispatcher(List.of(totals), afterRestart))).build()) {
            assertThat(feed.position()).isEqualTo(checkpoint);
            assertThat(feed.pollOnce()).isEqualTo(1);
            assertThat(feed.pollOnce()).isZero();
        }
        assertThat(afterRestart.messages).extracting(m -> m.event().coordinates()).containsExactly("total/late@1");
    }

    @Test
    void aNotificationWakesAnIdleFeedAtOnce() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        BatchHandler handler = batch -> {
            batch.forEach(e -> seen.add(e.aggregateId()));
            return batch.size();
        };
        String store = TestEvents.uniqueStore("wake");
        try (PostgresChangeFeed feed = PostgresChangeFeed.builder("woken", ledger, checkpoints, handler)
                .idleWait(Duration.ofMinutes(5)).build().start()) {
            await(feed::isListening, Duration.ofSeconds(10));
            Thread.sleep(300); // the first poll is done; the feed now idles for 5 minutes unless woken
            ledger.append(List.of(TestEvents.event(store, "ping", 1)));
            await(() -> seen.contains("ping"), Duration.ofSeconds(10));
        }
        assertThat(seen).containsExactly("ping");
    }

    @Test
    void withoutListeningTheSameFeedWaitsForItsIdleWait() throws Exception {
        // the control for the test above: what wakes the feed there is the notification
        List<String> seen = new CopyOnWriteArrayList<>();
        String store = TestEvents.uniqueStore("deaf");
        try (PostgresChangeFeed feed = PostgresChangeFeed.builder("deaf", ledger, checkpoints, batch -> {
            batch.forEach(e -> seen.add(e.aggregateId()));
            return batch.size();
        }).idleWait(Duration.ofMinutes(5)).listen(false).build()) {
            // the first polls are done once an event appended before the start is handled (and the one read
            // after it, which finds nothing, a moment later): from then on the feed idles for 5 minutes
            ledger.append(List.of(TestEvents.event(store, "early", 1)));
            feed.start();
            await(() -> seen.contains("early"), Duration.ofSeconds(30));
            Thread.sleep(1000);
            ledger.append(List.of(TestEvents.event(store, "ping", 1)));
            Thread.sleep(1500);
            assertThat(seen).containsExactly("early");
            assertThat(feed.pollOnce()).isEqualTo(1);
        }
    }

    @Test
    void aPacedFeedReadsABacklogWithoutPauseThenWaitsItsPaceAfterReachingTheHead() throws Exception {
        String store = TestEvents.uniqueStore("paced");
        List<dev.tally.core.RecordedEvent> backlog = new ArrayList<>();
        for (int v = 1; v <= 250; v++) {
            backlog.add(TestEvents.event(store, "s", v));
        }
        ledger.append(backlog);
        try (PostgresChangeFeed feed = PostgresChangeFeed.builder("paced", ledger, checkpoints, List::size)
                .batchSize(100).pace(Duration.ofHours(1)).listen(false).build()) {
            // full batches never wait: a pace applied to them would hang here for an hour
            assertThat(feed.pollOnce()).isEqualTo(100);
            assertThat(feed.pollOnce()).isEqualTo(100);
            assertThat(feed.pollOnce()).isEqualTo(50); // the head: the next read waits the pace
            ledger.append(List.of(TestEvents.event(store, "s", 251)));
            ExecutorService one = Executors.newSingleThreadExecutor();
            try {
                Future<Integer> next = one.submit(feed::pollOnce);
                Thread.sleep(500);
                assertThat(next).as("waiting its pace").isNotDone();
                one.shutdownNow(); // an interrupted pause reads at once
                assertThat(next.get(30, TimeUnit.SECONDS)).isEqualTo(1);
            } finally {
                one.shutdownNow();
            }
        }
    }

    @Test
    void eventsHeldBackByAnUnrelatedTransactionFlowWhenItEndsWithoutANotification() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        String store = TestEvents.uniqueStore("held");
        TestDatabase.execute("CREATE TABLE IF NOT EXISTS " + tables.schema() + ".other (x int)");
        try (PostgresChangeFeed feed = PostgresChangeFeed.builder("held", ledger, checkpoints, batch -> {
            batch.forEach(e -> seen.add(e.aggregateId()));
            return batch.size();
        }).idleWait(Duration.ofMinutes(5)).build().start()) {
            await(feed::isListening, Duration.ofSeconds(10));
            try (Connection other = TestDatabase.dataSource().getConnection()) {
                other.setAutoCommit(false);
                try (Statement st = other.createStatement()) {
                    st.execute("INSERT INTO " + tables.schema() + ".other VALUES (1)");
                }
                ledger.append(List.of(TestEvents.event(store, "held", 1)));
                await(feed::isWaitingForOlderTransactions, Duration.ofSeconds(30));
                assertThat(seen).as("held back while an older transaction runs").isEmpty();
                other.commit(); // no NOTIFY: this transaction did not append
            }
            await(() -> seen.contains("held"), Duration.ofSeconds(10));
        }
    }

    @Test
    void aClosedFeedGivesItsConnectionBackWithoutListening() throws Exception {
        try (PostgresChangeFeed feed = PostgresChangeFeed.builder("returns", ledger, checkpoints, List::size).start()) {
            await(feed::isListening, Duration.ofSeconds(10));
        }
        assertThat(listeners()).as("pooled sessions still listening on the channel").isZero();
    }

    /** Pooled sessions listening on the ledger's channel (pg_listening_channels is per session: ask each). */
    private long listeners() throws Exception {
        long count = 0;
        List<Connection> borrowed = new ArrayList<>();
        try {
            for (int i = 0; i < 24; i++) {
                Connection c = TestDatabase.dataSource().getConnection();
                borrowed.add(c);
                try (Statement st = c.createStatement();
                     var rs = st.executeQuery("SELECT count(*) FROM pg_listening_channels() ch WHERE ch = '"
                             + tables.channel() + "'")) {
                    rs.next();
                    count += rs.getLong(1);
                }
            }
        } finally {
            for (Connection c : borrowed) {
                c.close();
            }
        }
        return count;
    }

    private Set<String> allStored() {
        Set<String> out = new HashSet<>();
        long position = 0;
        while (true) {
            var batch = ledger.readAfter(position, 500);
            if (batch.isEmpty()) {
                return out;
            }
            batch.forEach(l -> out.add(l.event().coordinates()));
            position = batch.get(batch.size() - 1).position();
        }
    }

    private static void await(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not reached within " + timeout);
            }
            Thread.sleep(10);
        }
    }
}
