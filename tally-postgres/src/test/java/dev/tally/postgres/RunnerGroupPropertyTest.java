package dev.tally.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.EventStore;
import dev.tally.core.RetryPolicy;
import dev.tally.core.message.StateCarryingMessage;
import dev.tally.core.runtime.FailurePolicy;
import dev.tally.core.spi.LoggedEvent;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * The pipeline's one reader ({@link RunnerGroup}) commits several runners' writes and checkpoints in
 * one transaction. Whatever the runners' starting positions (some behind the others), the batch
 * size, which runner fails on which event (for a while, or for good), and where a crash stops it
 * (after any step of any runner's part of a shared transaction), a restart with no manual action
 * leaves each runner having applied every event of the ledger exactly once, except the events
 * that failed for good, each a dead letter of that runner only, never applied; and every
 * checkpoint at the head. The handlers are not idempotent (a row per message, no unique key), so
 * an event applied twice or lost would show.
 */
class RunnerGroupPropertyTest {
    private static final FailurePolicy THREE_QUICK_ATTEMPTS = FailurePolicy.of(new RetryPolicy(3,
            Duration.ofMillis(1), Duration.ofMillis(2)));

    /**
     * {@code streams}: the aggregate of each appended event; {@code headStarts}: polls each runner
     * makes alone first; {@code faults}: each n is runner {@code n % 4} failing on event
     * {@code (n / 4) % 30}, twice when {@code n < 120}, for good otherwise; {@code crashAt}: the
     * step hook call that crashes (0: none).
     */
    @Property(tries = 25)
    void everyRunnerAppliesEachEventOnceThroughFailuresAndACrash(
            @ForAll @Size(min = 1, max = 30) List<@IntRange(min = 0, max = 3) Integer> streams,
            @ForAll @IntRange(min = 2, max = 4) int runnerCount,
            @ForAll @Size(max = 4) List<@IntRange(min = 0, max = 3) Integer> headStarts,
            @ForAll @IntRange(min = 1, max = 8) int batchSize,
            @ForAll @Size(max = 4) List<@IntRange(min = 0, max = 239) Integer> faults,
            @ForAll @IntRange(min = 0, max = 8) int crashAt) throws Exception {
        PostgresTables tables = TestDatabase.freshTables("group");
        PostgresLedger ledger = new PostgresLedger(TestDatabase.dataSource(), tables);
        EventStore<Tallies.Tally> tallies = EventStore.builder(Tallies.DEFINITION, ledger).build();
        PostgresCheckpointStore checkpoints = new PostgresCheckpointStore(TestDatabase.dataSource(), tables);
        String applied = tables.schema() + ".applied";
        TestDatabase.execute("CREATE TABLE " + applied + " (runner text NOT NULL, aggregate_id text NOT NULL,"
                + " version bigint NOT NULL)");
        for (int s : streams) {
            tallies.execute("t" + s, Tallies.add(1));
        }
        List<LoggedEvent> log = Tallies.log(ledger);

        Map<String, Integer> failuresLeft = new HashMap<>(); // "runner/aggregate/version" -> failures to come
        Map<Integer, Set<String>> lost = new TreeMap<>(); // runner -> events failing for good
        for (int n : faults) {
            int runner = n % 4;
            int event = (n / 4) % 30;
            if (runner >= runnerCount || event >= log.size()) {
                continue;
            }
            String key = runner + "/" + log.get(event).event().aggregateId() + "/" + log.get(event).event().version();
            failuresLeft.merge(key, n < 120 ? 2 : Integer.MAX_VALUE, Math::max);
            if (n >= 120) {
                lost.computeIfAbsent(runner, r -> new HashSet<>()).add(key);
            }
        }
        AtomicInteger hookCalls = new AtomicInteger();
        PostgresProjectionRunner.StepHook crash = (step, to) -> {
            if (hookCalls.incrementAndGet() == crashAt) {
                throw new PostgresProjectionRunnerTest.Crash(step.name());
            }
        };

        List<PostgresProjectionRunner> runners = runners(ledger, tallies, tables, applied, runnerCount, batchSize,
                failuresLeft, crash);
        try {
            for (int k = 0; k < runnerCount && k < headStarts.size(); k++) {
                for (int i = 0; i < headStarts.get(k); i++) {
                    runners.get(k).pollOnce();
                }
            }
            drain(new RunnerGroup(ledger, checkpoints, runners, batchSize, Duration.ofMillis(200), null), runners,
                    ledger);
        } catch (PostgresProjectionRunnerTest.Crash crashed) {
            // a restart: new runners and a new group on the same database, no manual action
            runners = runners(ledger, tallies, tables, applied, runnerCount, batchSize, failuresLeft,
                    PostgresProjectionRunner.StepHook.NONE);
            drain(new RunnerGroup(ledger, checkpoints, runners, batchSize, Duration.ofMillis(200), null), runners,
                    ledger);
        }

        long head = ledger.headPosition();
        for (int k = 0; k < runnerCount; k++) {
            String name = "r" + k;
            assertThat(checkpoints.load(name).position().asLong()).as("checkpoint of %s", name).isEqualTo(head);
            Set<String> missing = lost.getOrDefault(k, Set.of());
            List<String> expected = new ArrayList<>();
            for (LoggedEvent e : log) {
                String key = k + "/" + e.event().aggregateId() + "/" + e.event().version();
                if (!missing.contains(key)) {
                    expected.add(e.event().aggregateId() + "/" + e.event().version());
                }
            }
            List<String> rows = rows(applied, name);
            assertThat(rows).as("events applied by %s, each once", name).containsExactlyInAnyOrderElementsOf(expected);
            assertThat(Tallies.count("SELECT count(*) FROM " + tables.deadLetters() + " WHERE source_name = '"
                    + name + "'")).as("dead letters of %s", name).isEqualTo(missing.size());
        }
    }

    private static List<PostgresProjectionRunner> runners(PostgresLedger ledger, EventStore<Tallies.Tally> tallies,
                                                          PostgresTables tables, String applied, int count,
                                                          int batchSize, Map<String, Integer> failuresLeft,
                                                          PostgresProjectionRunner.StepHook hook) {
        List<PostgresProjectionRunner> out = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            int runner = k;
            JdbcHandler audit = (c, messages) -> {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + applied + " VALUES (?, ?, ?)")) {
                    for (StateCarryingMessage m : messages) {
                        String key = runner + "/" + m.aggregateId() + "/" + m.version();
                        Integer left = failuresLeft.get(key);
                        if (left != null && left > 0) {
                            failuresLeft.put(key, left == Integer.MAX_VALUE ? left : left - 1);
                            throw new IllegalStateException("refusing " + key);
                        }
                        ps.setString(1, "r" + runner);
                        ps.setString(2, m.aggregateId());
                        ps.setLong(3, m.version());
                        ps.executeUpdate();
                    }
                }
            };
            out.add(PostgresProjectionRunner.builder("r" + k, ledger, List.of(tallies), audit).batchSize(batchSize)
                    .failurePolicy(THREE_QUICK_ATTEMPTS).idleWait(Duration.ofMillis(200)).listen(false)
                    .deadLetters(new PostgresDeadLetterStore(TestDatabase.dataSource(), tables)).stepHook(hook)
                    .build());
        }
        return out;
    }

    /** Polls the group on this thread until every runner is at the head with nothing failing. */
    private static void drain(RunnerGroup group, List<PostgresProjectionRunner> runners, PostgresLedger ledger)
            throws InterruptedException {
        long head = ledger.headPosition();
        for (int round = 0; round < 5_000; round++) {
            boolean done = true;
            for (PostgresProjectionRunner r : runners) {
                done &= r.position() >= head && r.failedAttempts() == 0;
            }
            if (done) {
                return;
            }
            if (group.pollOnce() == 0) {
                Thread.sleep(1);
            }
        }
        throw new AssertionError("the runners did not reach the head in 5,000 rounds");
    }

    private static List<String> rows(String applied, String runner) {
        List<String> out = new ArrayList<>();
        try (var c = TestDatabase.dataSource().getConnection(); var ps = c.prepareStatement(
                "SELECT aggregate_id, version FROM " + applied + " WHERE runner = ?")) {
            ps.setString(1, runner);
            try (var rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1) + "/" + rs.getLong(2));
                }
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }
}
