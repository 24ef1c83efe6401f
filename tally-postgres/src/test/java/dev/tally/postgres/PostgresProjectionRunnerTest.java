package dev.tally.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.Aggregate;
import dev.tally.core.EventMetadata;
import dev.tally.core.EventStore;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.RetryPolicy;
import dev.tally.core.spi.LoggedEvent;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.message.MessageKind;
import dev.tally.core.message.StateCarryingMessage;
import dev.tally.core.projection.Versioned;
import dev.tally.core.runtime.DeadLetter;
import dev.tally.core.runtime.DeadLetterSource;
import dev.tally.core.runtime.FailurePolicy;
import dev.tally.core.runtime.MessageRef;
import dev.tally.postgres.PostgresProjectionRunner.Step;
import dev.tally.postgres.Tallies.Tally;
import dev.tally.postgres.Tallies.TotalView;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The exactly-once runner on a real PostgreSQL: the view rows and the checkpoint commit together,
 * a failure rolls both back, a crash at any step boundary is repaired by a restart alone, and a
 * side effect that is not idempotent happens once per event.
 */
class PostgresProjectionRunnerTest {
    private static final FailurePolicy THREE_QUICK_ATTEMPTS = FailurePolicy.of(new RetryPolicy(3, Duration.ofMillis(1),
            Duration.ofMillis(5)));

    /** A simulated crash: an Error, which the runner does not catch, so its thread dies mid-step. */
    static final class Crash extends Error {
        Crash(String where) {
            super("simulated crash " + where, null, false, false);
        }
    }

    private final PostgresTables tables = TestDatabase.freshTables("runner");
    private final PostgresLedger ledger = new PostgresLedger(TestDatabase.dataSource(), tables);
    private final EventStore<Tally> tallies = EventStore.builder(Tallies.DEFINITION, ledger).build();
    private final PostgresCheckpointStore checkpoints = new PostgresCheckpointStore(TestDatabase.dataSource(), tables);
    private final PostgresDeadLetterStore deadLetters = new PostgresDeadLetterStore(TestDatabase.dataSource(), tables);
    private final String table = tables.schema() + ".totals";
    private final SqlTableProjectionWriter<TotalView> totals = Tallies.table(table);
    private final List<PostgresProjectionRunner> started = new ArrayList<>();

    @AfterEach
    void stopEveryRunnerLeftBehind() {
        started.forEach(PostgresProjectionRunner::close);
    }

    private PostgresProjectionRunner.Builder runner() {
        return PostgresProjectionRunner.builder(Tallies.TOTALS, totals, ledger, tallies)
                .failurePolicy(THREE_QUICK_ATTEMPTS).idleWait(Duration.ofMillis(200));
    }

    private PostgresProjectionRunner start(PostgresProjectionRunner.Builder b) {
        PostgresProjectionRunner r = b.build();
        started.add(r);
        return r.start();
    }

    @Test
    void eachBatchCommitsItsRowsAndItsCheckpointTogether() {
        appendRoundRobin(List.of("a", "b", "c"), 10);
        PostgresProjectionRunner r = runner().batchSize(4).build();
        int batches = 0;
        while (r.pollOnce() > 0) {
            batches++;
            assertThat(checkpoints.load("totals").position().asLong()).isEqualTo(r.position());
            assertThat(Tallies.rows(totals)).as("rows after batch %d", batches).isEqualTo(expectedAt(r.position()));
        }
        assertThat(batches).isEqualTo(8); // 30 events, 4 a batch
        assertThat(r.position()).isEqualTo(ledger.headPosition());
        assertThat(Tallies.rows(totals)).isEqualTo(Tallies.folded(tallies));
        assertThat(deadLetters.count()).isZero();
    }

    @Test
    void aFailingViewWriteLeavesTheCheckpointWhereItWasAndTheRowUnchanged() {
        tallies.execute("a", Tallies.add(500));
        tallies.execute("a", Tallies.add(600)); // a total of 1100: the table's CHECK refuses the row
        tallies.execute("b", Tallies.add(1));
        List<LoggedEvent> log = Tallies.log(ledger);
        long a1 = log.get(0).position();
        long a2 = log.get(1).position();
        long b1 = log.get(2).position();
        Versioned<TotalView> aAtV1 = new Versioned<>("a", 1, new TotalView(500, 1));
        PostgresProjectionRunner r = runner().batchSize(10).build();

        // the batch fails; one event a transaction finds a@2: a@1 commits, a@2 is rolled back
        assertThat(r.pollOnce()).isEqualTo(1);
        assertThat(checkpoints.load("totals").position().asLong()).isEqualTo(a1);
        assertThat(totals.read("a")).contains(aAtV1);
        assertThat(totals.read("b")).isEmpty();
        assertThat(r.failedAttempts()).isEqualTo(1);

        assertThat(r.pollOnce()).as("second attempt on a@2").isZero();
        assertThat(checkpoints.load("totals").position().asLong()).isEqualTo(a1);
        assertThat(totals.read("a")).contains(aAtV1);
        assertThat(deadLetters.count()).isZero();

        // the third and last attempt: a dead letter, and the checkpoint past a@2, in one commit
        assertThat(r.pollOnce()).isEqualTo(1);
        assertThat(checkpoints.load("totals").position().asLong()).isEqualTo(a2);
        assertThat(totals.read("a")).as("the failed write changed nothing").contains(aAtV1);
        DeadLetter letter = deadLetters.list().get(0);
        assertThat(letter.source()).isEqualTo(new DeadLetterSource.Feed("totals"));
        assertThat(letter.ref()).isEqualTo(new MessageRef(MessageKind.STATE_CARRYING, "tally",
                "a", 2));
        assertThat(((StateCarryingMessage) letter.message()).aggregate(Tally.class).state())
                .isEqualTo(new Tally(1100, 2));
        assertThat(letter.attempts()).isEqualTo(3);
        assertThat(letter.error()).contains("total_below_1000");

        assertThat(r.pollOnce()).isEqualTo(1);
        assertThat(checkpoints.load("totals").position().asLong()).isEqualTo(b1);
        assertThat(totals.read("b")).contains(new Versioned<>("b", 1, new TotalView(1, 1)));
        assertThat(totals.read("a")).contains(aAtV1);
    }

    @Test
    void aRedriveWritesTheViewAndRemovesTheLetterInOneCommit() {
        tallies.execute("a", Tallies.add(500));
        tallies.execute("a", Tallies.add(600));
        PostgresProjectionRunner r = runner().failurePolicy(FailurePolicy.of(new RetryPolicy(1, Duration.ofMillis(1),
                Duration.ofMillis(1)))).build();
        while (r.pollOnce() > 0) {
            // to the end: a@2 is dead-lettered at its first failure
        }
        DeadLetter letter = deadLetters.list().get(0);

        assertThatThrownBy(() -> r.redrive(letter)).as("the CHECK still refuses the row")
                .hasMessageContaining("total_below_1000");
        assertThat(deadLetters.get(letter.id())).as("a failed redrive keeps the letter").isPresent();

        TestDatabase.execute("ALTER TABLE " + table + " DROP CONSTRAINT total_below_1000");
        assertThat(r.redrive(letter)).isTrue();
        assertThat(totals.read("a")).contains(new Versioned<>("a", 2, new TotalView(1100, 2)));
        assertThat(deadLetters.count()).isZero();
        assertThat(r.redrive(letter)).as("a second redrive finds nothing to do").isFalse();
    }

    /** Where the crash happens in the third batch. */
    enum CrashPoint {
        /** The handler wrote half the batch's rows. */
        DURING_THE_BATCH,
        /** Every row and the checkpoint row are written, the commit has not happened. */
        AFTER_THE_WRITES_BEFORE_THE_COMMIT,
        /** The commit happened; the runner's position in memory has not moved. */
        AFTER_THE_COMMIT_BEFORE_THE_POSITION_MOVES
    }

    @ParameterizedTest
    @EnumSource(CrashPoint.class)
    void aCrashAtAnyStepAppliesEachEventOnceAndARestartConverges(CrashPoint point) throws Exception {
        String effects = tables.schema() + ".applied";
        // a side effect that is not idempotent: one row per message, and no unique constraint to hide a repeat
        TestDatabase.execute("CREATE TABLE " + effects + " (aggregate_id text NOT NULL, version bigint NOT NULL)");
        appendRoundRobin(List.of("a", "b", "c", "d"), 6);
        int events = 24;
        AtomicInteger batch = new AtomicInteger();
        JdbcHandler rows = JdbcHandler.projecting(Tallies.TOTALS, totals);
        JdbcHandler crashingHandler = (c, messages) -> {
            boolean third = batch.incrementAndGet() == 3;
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + effects + " VALUES (?, ?)")) {
                for (int i = 0; i < messages.size(); i++) {
                    if (third && point == CrashPoint.DURING_THE_BATCH && i == messages.size() / 2) {
                        throw new Crash("during the batch");
                    }
                    rows.handle(c, List.of(messages.get(i)));
                    ps.setString(1, messages.get(i).aggregateId());
                    ps.setLong(2, messages.get(i).version());
                    ps.executeUpdate();
                }
            }
        };
        PostgresProjectionRunner.StepHook hook = (step, to) -> {
            if (batch.get() == 3 && ((step == Step.WRITTEN && point == CrashPoint.AFTER_THE_WRITES_BEFORE_THE_COMMIT)
                    || (step == Step.COMMITTED && point == CrashPoint.AFTER_THE_COMMIT_BEFORE_THE_POSITION_MOVES))) {
                throw new Crash(step.name());
            }
        };
        PostgresProjectionRunner crashing = start(PostgresProjectionRunner.builder("totals", ledger, List.of(tallies),
                crashingHandler).batchSize(5).failurePolicy(THREE_QUICK_ATTEMPTS).idleWait(Duration.ofMillis(200))
                .stepHook(hook));
        await(() -> !crashing.isAlive(), Duration.ofSeconds(30));

        // the crashed runner left the stored checkpoint and the rows in agreement, whatever the step
        long stored = checkpoints.load("totals").position().asLong();
        long expectedCheckpoint = Tallies.log(ledger).get(point == CrashPoint.AFTER_THE_COMMIT_BEFORE_THE_POSITION_MOVES
                ? 14 : 9).position();
        assertThat(stored).isEqualTo(expectedCheckpoint);
        assertThat(Tallies.rows(totals)).isEqualTo(expectedAt(stored));
        assertThat(Tallies.count("SELECT count(*) FROM " + effects)).isEqualTo(eventsUpTo(stored));

        // a new runner on the same database, no manual action: every view converges, every effect once
        PostgresProjectionRunner restarted = start(PostgresProjectionRunner.builder("totals", ledger,
                List.of(tallies), crashingHandler).batchSize(5).failurePolicy(THREE_QUICK_ATTEMPTS)
                .idleWait(Duration.ofMillis(200)));
        long head = ledger.headPosition();
        await(() -> restarted.position() >= head, Duration.ofSeconds(30));
        assertThat(Tallies.rows(totals)).isEqualTo(Tallies.folded(tallies));
        assertThat(Tallies.count("SELECT count(*) FROM " + effects)).as("one row per event, none twice")
                .isEqualTo(events);
        assertThat(Tallies.count("SELECT count(*) FROM (SELECT DISTINCT aggregate_id, version FROM " + effects
                + ") d")).isEqualTo(events);
        assertThat(deadLetters.count()).isZero();
    }

    @Test
    void twoRunnersOfTheSameNameNeverApplyAnEventTwice() throws Exception {
        String effects = tables.schema() + ".applied_twice";
        TestDatabase.execute("CREATE TABLE " + effects + " (aggregate_id text NOT NULL, version bigint NOT NULL)");
        JdbcHandler insert = (c, messages) -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + effects + " VALUES (?, ?)")) {
                for (StateCarryingMessage m : messages) {
                    ps.setString(1, m.aggregateId());
                    ps.setLong(2, m.version());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        };
        PostgresProjectionRunner one = start(PostgresProjectionRunner.builder("audit", ledger, List.of(tallies), insert)
                .batchSize(3).idleWait(Duration.ofMillis(50)));
        PostgresProjectionRunner two = start(PostgresProjectionRunner.builder("audit", ledger, List.of(tallies), insert)
                .batchSize(3).idleWait(Duration.ofMillis(50)));
        int events = writeConcurrently(4, 40);
        long head = ledger.headPosition();
        await(() -> checkpoints.load("audit").position().asLong() >= head, Duration.ofSeconds(60));

        assertThat(Tallies.count("SELECT count(*) FROM " + effects)).as("each event applied by one of them, once")
                .isEqualTo(events);
        assertThat(Tallies.count("SELECT count(*) FROM (SELECT DISTINCT aggregate_id, version FROM " + effects
                + ") d")).isEqualTo(events);
        assertThat(one.handledCount() + two.handledCount()).isEqualTo(events);
    }

    @Test
    void aRunnerWokenByNotifyKeepsUpWithConcurrentWriters() throws Exception {
        PostgresProjectionRunner r = start(runner().idleWait(Duration.ofMinutes(5)).batchSize(20));
        int events = writeConcurrently(4, 50);
        long head = ledger.headPosition();
        await(() -> r.position() >= head, Duration.ofSeconds(60));
        assertThat(r.handledCount()).isEqualTo(events);
        assertThat(Tallies.rows(totals)).isEqualTo(Tallies.folded(tallies));
    }

    @Test
    void anEventWhoseMessageCannotBeBuiltBecomesADeadLetterThatNamesIt() {
        ObjectNode payload = JsonCodec.object().put("what", "not an event the tally knows");
        ledger.append(List.of(new RecordedEvent("tally", "odd", 1, "Bogus", 1,
                Instant.now().truncatedTo(ChronoUnit.MILLIS), payload, EventMetadata.empty())));
        tallies.execute("fine", Tallies.add(3));
        PostgresProjectionRunner r = runner().build();
        int moved = 0;
        for (int i = 0; i < 10 && moved < 2; i++) {
            moved += r.pollOnce();
        }
        assertThat(moved).as("nothing is skipped silently, nothing blocks the rest").isEqualTo(2);
        DeadLetter letter = deadLetters.list().get(0);
        assertThat(letter.hasBody()).as("no message could be built: only the reference is kept").isFalse();
        assertThat(letter.ref().aggregateId()).isEqualTo("odd");
        assertThat(letter.error()).contains("Bogus");
        assertThat(totals.read("fine")).contains(new Versioned<>("fine", 1, new TotalView(3, 1)));
    }

    @Test
    void aStaleMessageAppliedAsARepairChangesNothing() {
        tallies.execute("a", Tallies.add(5));
        tallies.execute("a", Tallies.add(7));
        PostgresProjectionRunner r = runner().build();
        while (r.pollOnce() > 0) {
            // to the end
        }
        long checkpoint = checkpoints.load("totals").position().asLong();
        Aggregate<Tally> v1 = tallies.loadAt("a", 1);
        r.apply(new StateCarryingMessage(tallies.read("a", ReadOptions.range(1, 1)).get(0),
                tallies.stateToJson(v1.state())));
        assertThat(totals.read("a")).contains(new Versioned<>("a", 2, new TotalView(12, 2)));
        assertThat(checkpoints.load("totals").position().asLong()).as("a repair leaves the checkpoint alone").isEqualTo(checkpoint);
    }

    // --- helpers ------------------------------------------------------------------------------------------

    /** {@code rounds} events on each id, appended id after id. */
    private void appendRoundRobin(List<String> ids, int rounds) {
        for (int round = 1; round <= rounds; round++) {
            for (String id : ids) {
                long amount = round;
                tallies.execute(id, Tallies.add(amount));
            }
        }
    }

    /** What the views must be when exactly the events up to {@code position} are applied. */
    private Map<String, Versioned<TotalView>> expectedAt(long position) {
        Map<String, Long> versions = new TreeMap<>();
        for (LoggedEvent l : Tallies.log(ledger)) {
            if (l.position() <= position) {
                versions.merge(l.event().aggregateId(), l.event().version(), Math::max);
            }
        }
        Map<String, Versioned<TotalView>> out = new TreeMap<>();
        versions.forEach((id, version) -> {
            Aggregate<Tally> a = tallies.loadAt(id, version);
            out.put(id, new Versioned<>(id, version, new TotalView(a.state().total(), a.state().count())));
        });
        return out;
    }

    private long eventsUpTo(long position) {
        return Tallies.log(ledger).stream().filter(l -> l.position() <= position).count();
    }

    /** Writers adding to a few tallies each at once; returns how many events they appended. */
    private int writeConcurrently(int writers, int each) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int writer = w;
            futures.add(pool.submit(() -> {
                go.await();
                for (int i = 0; i < each; i++) {
                    tallies.execute("w" + writer + "-" + (i % 4), Tallies.add(1 + (writer % 3)));
                }
                return null;
            }));
        }
        go.countDown();
        for (Future<?> f : futures) {
            f.get(2, TimeUnit.MINUTES);
        }
        pool.shutdown();
        return writers * each;
    }

    static void await(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited %s for the condition", timeout).isLessThan(deadline);
            Thread.sleep(5);
        }
    }
}
