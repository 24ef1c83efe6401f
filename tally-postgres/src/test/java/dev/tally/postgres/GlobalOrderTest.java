package dev.tally.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.RecordedEvent;
import dev.tally.core.spi.LoggedEvent;
import dev.tally.testing.TestEvents;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The global order read by the change feed never passes an event that a transaction still
 * running may commit before it: concurrent transactions commit out of order, the log waits.
 */
class GlobalOrderTest {
    private static final PostgresTables TABLES = TestDatabase.freshTables("global_order");
    private static final PostgresLedger LEDGER = new PostgresLedger(TestDatabase.dataSource(), TABLES);

    private final String store = TestEvents.uniqueStore("order");

    @Test
    void aTransactionHeldOpenHoldsBackAnEventCommittedAfterIt() throws Exception {
        long start = head();
        try (Connection slow = TestDatabase.dataSource().getConnection()) {
            slow.setAutoCommit(false);
            // transaction A writes first (its id is the lower one) and stays open
            LEDGER.insert(slow, LEDGER.encode(List.of(TestEvents.event(store, "a", 1))));
            // transaction B writes later and commits first
            LEDGER.append(List.of(TestEvents.event(store, "b", 1)));

            LogRead whileOpen = LEDGER.readLog(start, 100);
            assertThat(ids(whileOpen.events())).as("B is held back while A may still commit before it").isEmpty();
            assertThat(whileOpen.waiting()).as("the read says it is waiting for an older transaction").isTrue();

            slow.commit();
        }
        LogRead after = LEDGER.readLog(start, 100);
        assertThat(ids(after.events())).containsExactly("a", "b");
        assertThat(after.events().get(0).position()).isLessThan(after.events().get(1).position());
        assertThat(after.waiting()).isFalse();
    }

    @Test
    void aTransactionThatStartedEarlierButWroteLaterIsWaitedForToo() throws Exception {
        long start = head();
        try (Connection slow = TestDatabase.dataSource().getConnection()) {
            slow.setAutoCommit(false);
            try (Statement st = slow.createStatement()) {
                st.execute("SELECT pg_current_xact_id()"); // A takes its transaction id now...
            }
            LEDGER.append(List.of(TestEvents.event(store, "b", 1))); // ...B commits...
            LEDGER.insert(slow, LEDGER.encode(List.of(TestEvents.event(store, "a", 1)))); // ...A writes later
            assertThat(ids(LEDGER.readLog(start, 100).events())).isEmpty();
            slow.commit();
        }
        // A's position is below B's: A's transaction is the older one; nothing was passed over
        assertThat(ids(LEDGER.readLog(start, 100).events())).containsExactly("a", "b");
    }

    @Test
    void aRolledBackTransactionLeavesNoHoleToWaitFor() throws Exception {
        long start = head();
        try (Connection slow = TestDatabase.dataSource().getConnection()) {
            slow.setAutoCommit(false);
            LEDGER.insert(slow, LEDGER.encode(List.of(TestEvents.event(store, "a", 1))));
            LEDGER.append(List.of(TestEvents.event(store, "b", 1)));
            slow.rollback();
        }
        LogRead read = LEDGER.readLog(start, 100);
        assertThat(ids(read.events())).containsExactly("b");
        assertThat(read.waiting()).isFalse();
    }

    @Test
    void anyRunningWriterHoldsTheLogBackAndNothingIsSkipped() throws Exception {
        long start = head();
        TestDatabase.execute("CREATE TABLE IF NOT EXISTS " + TABLES.schema() + ".unrelated (x int)");
        try (Connection other = TestDatabase.dataSource().getConnection()) {
            other.setAutoCommit(false);
            try (Statement st = other.createStatement()) {
                st.execute("INSERT INTO " + TABLES.schema() + ".unrelated VALUES (1)");
            }
            LEDGER.append(List.of(TestEvents.event(store, "b", 1)));
            assertThat(LEDGER.readLog(start, 100).events()).isEmpty();
            other.commit();
        }
        assertThat(ids(LEDGER.readLog(start, 100).events())).containsExactly("b");
    }

    @Test
    void aGroupKeepsTheCallersOrderInTheLogThoughItsRowsAreInsertedInKeyOrder() {
        long start = head();
        LEDGER.append(List.of(TestEvents.event(store, "z", 1), TestEvents.event(store, "a", 1),
                TestEvents.event(store, "m", 1), TestEvents.event(store, "a", 2)));
        assertThat(ids(LEDGER.readLog(start, 100).events())).containsExactly("z", "a", "m", "a");
    }

    @Test
    void positionsAreTheTransactionThenTheIndexInTheAppend() {
        long start = head();
        LEDGER.append(TestEvents.stream(store, "g", 1, 3));
        List<LoggedEvent> read = LEDGER.readLog(start, 100).events();
        assertThat(read).hasSize(3);
        long tx = PostgresLedger.transactionOf(read.get(0).position());
        assertThat(read).allSatisfy(l -> assertThat(PostgresLedger.transactionOf(l.position())).isEqualTo(tx));
        assertThat(read.get(1).position()).isEqualTo(read.get(0).position() + 1);
        assertThat(read.get(2).position()).isEqualTo(read.get(0).position() + 2);
        assertThat(read).extracting(l -> l.event().version()).containsExactly(1L, 2L, 3L);
    }

    /**
     * Many writers whose transactions stay open for random times, some rolling back, while a
     * reader follows the log from its checkpoint: the reader sees positions strictly ascending and,
     * in the end, exactly the committed events. An approach that passed a still-running
     * transaction would lose its events here.
     */
    @Test
    void writersCommittingOutOfOrderNeverMakeTheReaderSkip() throws Exception {
        long start = head();
        int writers = 6;
        int perWriter = 60;
        Set<String> committed = ConcurrentHashMap.newKeySet();
        AtomicBoolean writing = new AtomicBoolean(true);
        List<Long> seen = new ArrayList<>();
        Set<String> seenIds = new HashSet<>();
        Thread reader = new Thread(() -> {
            long checkpoint = start;
            boolean last = false;
            while (true) {
                boolean finalPass = !writing.get();
                List<LoggedEvent> batch = LEDGER.readLog(checkpoint, 50).events();
                for (LoggedEvent l : batch) {
                    seen.add(l.position());
                    seenIds.add(l.event().aggregateId());
                    checkpoint = l.position();
                }
                if (batch.isEmpty()) {
                    if (last) {
                        return;
                    }
                    last = finalPass;
                    sleep(2);
                }
            }
        }, "reader");
        reader.start();
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        List<Future<?>> futures = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int writer = w;
            futures.add(pool.submit(() -> {
                Random random = new Random(writer);
                for (int i = 0; i < perWriter; i++) {
                    String id = "w" + writer + "-" + i;
                    try (Connection c = TestDatabase.dataSource().getConnection()) {
                        c.setAutoCommit(false);
                        if (random.nextBoolean()) {
                            try (Statement st = c.createStatement()) {
                                st.execute("SELECT pg_current_xact_id()");
                            }
                            sleep(random.nextInt(4));
                        }
                        RecordedEvent e = TestEvents.event(store, id, 1);
                        LEDGER.insert(c, LEDGER.encode(List.of(e)));
                        sleep(random.nextInt(8));
                        if (random.nextInt(10) == 0) {
                            c.rollback();
                        } else {
                            c.commit();
                            committed.add(id);
                        }
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get(2, TimeUnit.MINUTES);
        }
        pool.shutdown();
        writing.set(false);
        reader.join(TimeUnit.MINUTES.toMillis(1));

        assertThat(seen).as("positions strictly ascending").isSorted().doesNotHaveDuplicates();
        assertThat(seenIds).as("every committed event was read, none skipped, nothing rolled back")
                .isEqualTo(committed);
        assertThat(committed).hasSizeGreaterThan(writers * perWriter / 2);
    }

    private static List<String> ids(List<LoggedEvent> events) {
        return events.stream().map(l -> l.event().aggregateId()).toList();
    }

    /** The highest position stored now (every test reads only what it appends after this). */
    private static long head() {
        try (Connection c = TestDatabase.dataSource().getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT coalesce(max(position), 0) FROM " + TABLES.events())) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
