package dev.tally.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.EventStore;
import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.RetryPolicy;
import dev.tally.core.spi.LoggedEvent;
import dev.tally.core.memory.InMemoryProjectionWriter;
import dev.tally.core.message.MessageFilter;
import dev.tally.core.message.StateCarryingMessage;
import dev.tally.core.projection.Projection;
import dev.tally.core.projection.Versioned;
import dev.tally.core.runtime.ConvergenceCheck;
import dev.tally.core.runtime.DeadLetter;
import dev.tally.core.runtime.DeadLetterSource;
import dev.tally.core.runtime.FailurePolicy;
import dev.tally.core.runtime.Target;
import dev.tally.postgres.Tallies.Tally;
import dev.tally.postgres.Tallies.TotalView;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The pipeline on PostgreSQL: runners, subscriptions, dead letters, verify and repair, restarts. */
class PostgresPipelineTest {
    record CountView(int count) {
    }

    static final Projection<Tally, CountView> COUNTS = Projection.of("counts", Tallies.DEFINITION, CountView.class,
            a -> new CountView(a.state().count()));
    private static final FailurePolicy TWO_QUICK_ATTEMPTS = FailurePolicy.of(new RetryPolicy(2, Duration.ofMillis(1),
            Duration.ofMillis(5)));

    private final PostgresTables tables = TestDatabase.freshTables("pipeline");
    private final String totalsTable = tables.schema() + ".totals";
    private final SqlTableProjectionWriter<TotalView> totals = Tallies.table(totalsTable);
    private final PostgresProjectionWriter<CountView> counts = new PostgresProjectionWriter<>(TestDatabase.dataSource(),
            tables, "counts", CountView.class);
    private final String audit = tables.schema() + ".audit";

    {
        // a side effect that is not idempotent: one row per message, no unique constraint
        TestDatabase.execute("CREATE TABLE " + audit + " (aggregate_id text NOT NULL, version bigint NOT NULL)");
    }

    private PostgresPipeline.Builder pipeline() {
        return PostgresPipeline.builder(TestDatabase.dataSource()).tables(tables)
                .projectionFailurePolicy(TWO_QUICK_ATTEMPTS);
    }

    private final JdbcHandler auditRows = (c, messages) -> {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + audit + " VALUES (?, ?)")) {
            for (StateCarryingMessage m : messages) {
                ps.setString(1, m.aggregateId());
                ps.setLong(2, m.version());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    };

    @Test
    void aProjectionWhoseWriterCannotJoinTheTransactionIsRefusedWithWhatToUse() {
        try (PostgresPipeline p = pipeline().build()) {
            p.store(Tallies.DEFINITION);
            assertThatThrownBy(() -> p.project(Tallies.TOTALS, new InMemoryProjectionWriter<TotalView>("totals")))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("projection 'totals' needs a JdbcProjectionWriter")
                    .hasMessageContaining("SqlTableProjectionWriter")
                    .hasMessageContaining(InMemoryProjectionWriter.class.getName());
        }
    }

    @Test
    void aProjectionOfAStoreThePipelineLacksIsNamedAtStart() {
        try (PostgresPipeline p = pipeline().build()) {
            p.project(Tallies.TOTALS, totals);
            assertThatThrownBy(p::start).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("reads store 'tally'").hasMessageContaining("pipeline.store(definition)");
        }
    }

    @Test
    void namesAreUniqueAcrossProjectionsHandlersAndTargets() {
        try (PostgresPipeline p = pipeline().build()) {
            p.project(Tallies.TOTALS, totals);
            assertThatThrownBy(() -> p.handle("totals", auditRows)).hasMessageContaining("'totals' is already");
            assertThatThrownBy(() -> p.subscribe(Target.of("totals", MessageFilter.ANY, m -> { })))
                    .hasMessageContaining("names are unique");
        }
    }

    @Test
    void viewsHandlersAndTargetsFollowTheLedgerAndAResumedPipelineRepeatsNothing() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        Target notifier = Target.of("notifier", MessageFilter.stateOf("tally"),
                m -> seen.add(m.event().coordinates()));
        int events;
        try (PostgresPipeline p = pipeline().build()) {
            EventStore<Tally> tallies = p.store(Tallies.DEFINITION);
            p.project(Tallies.TOTALS, totals);
            p.project(COUNTS, counts);
            p.handle("audit", auditRows);
            p.subscribe(notifier);
            p.start();
            events = writeConcurrently(tallies, 4, 40);
            assertThat(p.awaitQuiet(Duration.ofSeconds(60))).isTrue();

            assertThat(Tallies.rows(totals)).isEqualTo(Tallies.folded(tallies));
            assertThat(countViews()).isEqualTo(foldedCounts(tallies));
            assertThat(Tallies.count("SELECT count(*) FROM " + audit)).isEqualTo(events);
            assertThat(Set.copyOf(seen)).isEqualTo(allCoordinates(p.ledger()));
            assertThat(p.deadLetters().count()).isZero();
            assertThat(p.verify(false).converged()).isTrue();
        }

        // a new pipeline on the same database resumes every consumer at its checkpoint
        seen.clear();
        try (PostgresPipeline p = pipeline().build()) {
            EventStore<Tally> tallies = p.store(Tallies.DEFINITION);
            p.project(Tallies.TOTALS, totals);
            p.project(COUNTS, counts);
            p.handle("audit", auditRows);
            p.subscribe(notifier);
            p.start();
            tallies.execute("late", Tallies.add(9));
            assertThat(p.awaitQuiet(Duration.ofSeconds(30))).isTrue();
            assertThat(Tallies.count("SELECT count(*) FROM " + audit)).as("each event audited once, across restarts")
                    .isEqualTo(events + 1);
            assertThat(seen).as("the target gets what is new, not the past again").containsExactly("tally/late@1");
            assertThat(totals.read("late")).contains(new Versioned<>("late", 1, new TotalView(9, 1)));
        }
    }

    @Test
    void deadLettersOfRunnersAndTargetsAreStoredTypedAndRedrivenWhereTheyFailed() throws Exception {
        Set<String> refuse = ConcurrentHashMap.newKeySet();
        refuse.add("grumpy");
        List<String> notified = new CopyOnWriteArrayList<>();
        Target notifier = new Target("notifier", MessageFilter.stateOf("tally"), m -> {
            if (refuse.contains(m.aggregateId())) {
                throw new IllegalStateException("the mail server refuses " + m.aggregateId());
            }
            notified.add(m.event().coordinates());
        }, TWO_QUICK_ATTEMPTS);
        try (PostgresPipeline p = pipeline().build()) {
            EventStore<Tally> tallies = p.store(Tallies.DEFINITION);
            p.project(Tallies.TOTALS, totals);
            p.subscribe(notifier);
            p.start();
            tallies.execute("grumpy", Tallies.add(1));
            tallies.execute("big", Tallies.add(2000)); // the totals table's CHECK refuses it
            tallies.execute("fine", Tallies.add(3));
            assertThat(p.awaitQuiet(Duration.ofSeconds(30))).isTrue();

            List<DeadLetter> letters = p.deadLetters().page(PageRequest.first(10)).items();
            assertThat(letters).extracting(d -> d.source() + " " + d.ref().aggregateId()).containsExactlyInAnyOrder(
                    new DeadLetterSource.BusTarget("notifier") + " grumpy",
                    new DeadLetterSource.Feed("totals") + " big");
            assertThat(notified).containsExactlyInAnyOrder("tally/big@1", "tally/fine@1");
            assertThat(totals.read("fine")).isPresent();
            assertThat(totals.read("big")).isEmpty();

            // still failing: the letters stay
            assertThat(p.deadLetters().redriveAll(null)).isZero();
            assertThat(p.deadLetters().count()).isEqualTo(2);

            refuse.clear();
            TestDatabase.execute("ALTER TABLE " + totalsTable + " DROP CONSTRAINT total_below_1000");
            assertThat(p.deadLetters().redriveAll(new DeadLetterSource.BusTarget("notifier"))).isEqualTo(1);
            assertThat(notified).contains("tally/grumpy@1");
            assertThat(p.deadLetters().count()).isEqualTo(1);
            String feedLetter = p.deadLetters().page(PageRequest.first(10)).items().get(0).id();
            assertThat(p.deadLetters().redrive(feedLetter)).isTrue();
            assertThat(totals.read("big")).contains(new Versioned<>("big", 1, new TotalView(2000, 1)));
            assertThat(p.deadLetters().count()).isZero();
        }
    }

    /**
     * A target's checkpoint past events it never receives may be held back a second (one flushed
     * commit saved per batch of other apps' events); the checkpoint past a dead letter may not: a
     * crash in that second would hand the event to the target again though its letter is stored.
     */
    @Test
    void theCheckpointPastATargetsDeadLetterIsSavedAtOnce() throws Exception {
        Target once = new Target("once", MessageFilter.stateOf("tally"), m -> {
            if (m.aggregateId().equals("refused")) {
                throw new IllegalStateException("the mail server refuses " + m.aggregateId());
            }
        }, FailurePolicy.of(new RetryPolicy(1, Duration.ofMillis(1), Duration.ofMillis(1))));
        PostgresLedger ledger = new PostgresLedger(TestDatabase.dataSource(), tables);
        try (PostgresPipeline p = pipeline().build()) {
            EventStore<Tally> tallies = p.store(Tallies.DEFINITION);
            p.subscribe(once);
            tallies.execute("fine", Tallies.add(1)); // delivered, then the refused one last in the same batch
            tallies.execute("refused", Tallies.add(1));
            p.start();
            assertThat(p.awaitQuiet(Duration.ofSeconds(30))).isTrue();
            assertThat(p.deadLetters().count()).isEqualTo(1);
            // read while the pipeline runs: close would save what was held back
            assertThat(new PostgresCheckpointStore(TestDatabase.dataSource(), tables).load("once").position()
                    .asLong()).as("the stored checkpoint, past the dead letter").isEqualTo(ledger.headPosition());
        }
    }

    @Test
    void verifyFindsViewsMadeStaleOnPurposeAndRepairsEachWithOneMessage() throws Exception {
        CountingWriter<TotalView> countingTotals = new CountingWriter<>(totals);
        try (PostgresPipeline p = pipeline().build()) {
            EventStore<Tally> tallies = p.store(Tallies.DEFINITION);
            p.project(Tallies.TOTALS, countingTotals);
            p.project(COUNTS, counts);
            p.start();
            for (String id : List.of("a", "b", "c", "d")) {
                for (int i = 1; i <= 4; i++) {
                    long amount = i;
                    tallies.execute(id, Tallies.add(amount));
                }
            }
            assertThat(p.awaitQuiet(Duration.ofSeconds(30))).isTrue();
            assertThat(p.verify(false).converged()).isTrue();

            // stale on purpose: a deleted row, a row rewound two versions, a JSONB view rewound one
            TestDatabase.execute("DELETE FROM " + totalsTable + " WHERE tally_id = 'a'");
            TestDatabase.execute("UPDATE " + totalsTable + " SET version = 2, total = 3, count = 2 WHERE tally_id = 'b'");
            TestDatabase.execute("UPDATE " + tables.views() + " SET version = 3 WHERE projection = 'counts' AND key = 'c'");

            ConvergenceCheck.Report found = p.verify(false);
            assertThat(found.staleCount()).isEqualTo(3);
            assertThat(found.stale()).containsExactlyInAnyOrder(
                    new ConvergenceCheck.Stale("totals", "a", 0, 4),
                    new ConvergenceCheck.Stale("totals", "b", 2, 4),
                    new ConvergenceCheck.Stale("counts", "c", 3, 4));
            assertThat(found.repaired()).isZero();
            assertThat(totals.read("a")).as("verify without repair changes nothing").isEmpty();

            countingTotals.writes.clear();
            ConvergenceCheck.Report repaired = p.verify(true);
            assertThat(repaired.staleCount()).isEqualTo(3);
            assertThat(repaired.repaired()).isEqualTo(3);
            assertThat(countingTotals.writes).as("one message to the totals runner per stale aggregate, none else")
                    .containsExactlyInAnyOrderEntriesOf(Map.of("a", 1, "b", 1));

            assertThat(p.verify(false).converged()).isTrue();
            assertThat(Tallies.rows(totals)).isEqualTo(Tallies.folded(tallies));
            assertThat(countViews()).isEqualTo(foldedCounts(tallies));
            assertThat(p.verify(true).repaired()).as("nothing left to repair").isZero();
        }
    }

    @Test
    void closeStopsEveryConsumerAndLeavesNoListeningConnection() throws Exception {
        PostgresPipeline p = pipeline().build();
        EventStore<Tally> tallies = p.store(Tallies.DEFINITION);
        p.project(Tallies.TOTALS, totals);
        p.subscribe(Target.of("quiet", MessageFilter.ANY, m -> { }));
        p.start();
        tallies.execute("x", Tallies.add(1));
        assertThat(p.awaitQuiet(Duration.ofSeconds(30))).isTrue();
        PostgresProjectionRunner runner = p.runner("totals").orElseThrow();
        p.close();
        assertThat(runner.isAlive()).isFalse();
        assertThat(Tallies.count("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'LISTEN%"
                + tables.schema() + "%'")).as("no session still listening for this pipeline")
                .isZero();
        assertThatThrownBy(p::start).hasMessageContaining("closed");
    }

    // --- helpers ------------------------------------------------------------------------------------------

    /** Counts writes per key on the transaction's connection: what a repair sends. */
    static final class CountingWriter<V> implements JdbcProjectionWriter<V> {
        final Map<String, Integer> writes = new ConcurrentHashMap<>();
        private final JdbcProjectionWriter<V> delegate;

        CountingWriter(JdbcProjectionWriter<V> delegate) {
            this.delegate = delegate;
        }

        @Override
        public WriteOutcome write(Connection connection, String key, long version, V view) throws java.sql.SQLException {
            writes.merge(key, 1, Integer::sum);
            return delegate.write(connection, key, version, view);
        }

        @Override
        public WriteOutcome write(String key, long version, V view) {
            writes.merge(key, 1, Integer::sum);
            return delegate.write(key, version, view);
        }

        @Override
        public Optional<Versioned<V>> read(String key) {
            return delegate.read(key);
        }

        @Override
        public boolean delete(String key) {
            return delegate.delete(key);
        }

        @Override
        public Page<Versioned<V>> list(PageRequest request) {
            return delegate.list(request);
        }

        @Override
        public String name() {
            return delegate.name();
        }
    }

    private Map<String, Versioned<CountView>> countViews() {
        Map<String, Versioned<CountView>> out = new TreeMap<>();
        counts.list(PageRequest.first(1000)).items().forEach(v -> out.put(v.key(), v));
        return out;
    }

    private static Map<String, Versioned<CountView>> foldedCounts(EventStore<Tally> tallies) {
        Map<String, Versioned<CountView>> out = new TreeMap<>();
        Tallies.folded(tallies).forEach((id, v) -> out.put(id, new Versioned<>(id, v.version(),
                new CountView(v.view().count()))));
        return out;
    }

    private static Set<String> allCoordinates(PostgresLedger ledger) {
        return Tallies.log(ledger).stream().map(LoggedEvent::event).map(e -> e.coordinates())
                .collect(Collectors.toSet());
    }

    private static int writeConcurrently(EventStore<Tally> tallies, int writers, int each) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        List<Future<?>> futures = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int writer = w;
            futures.add(pool.submit(() -> {
                for (int i = 0; i < each; i++) {
                    tallies.execute("w" + writer + "-" + (i % 5), Tallies.add(1 + writer));
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get(2, TimeUnit.MINUTES);
        }
        pool.shutdown();
        return writers * each;
    }
}
