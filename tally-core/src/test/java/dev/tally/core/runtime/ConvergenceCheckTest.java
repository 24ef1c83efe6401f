package dev.tally.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.EventStore;
import dev.tally.core.Fixtures;
import dev.tally.core.Fixtures.Added;
import dev.tally.core.Fixtures.Total;
import dev.tally.core.memory.InMemoryLedger;
import dev.tally.core.memory.InMemoryProjectionWriter;
import dev.tally.core.message.StateCarryingMessage;
import dev.tally.core.projection.Projection;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The safety net on the in-memory ledger and writer: which views it calls stale, what it sends to
 * repair them (the aggregate at its head, to that projection only), and that it pages.
 */
class ConvergenceCheckTest {
    record Sum(long sum) {
    }

    private final EventStore<Total> totals = EventStore.builder(Fixtures.TOTAL, new InMemoryLedger()).build();
    private final Projection<Total, Sum> sums = Projection.of("sums", Fixtures.TOTAL, Sum.class,
            a -> new Sum(a.state().sum()));
    /** Views only of totals above 10: the others have no row, so they cannot be stale. */
    private final Projection<Total, Sum> big = Projection.of("big-sums", Fixtures.TOTAL, Sum.class,
            a -> a.state().sum() > 10 ? new Sum(a.state().sum()) : null);
    private final InMemoryProjectionWriter<Sum> sumViews = new InMemoryProjectionWriter<>("sums");
    private final InMemoryProjectionWriter<Sum> bigViews = new InMemoryProjectionWriter<>("big-sums");
    private final List<StateCarryingMessage> sentToSums = new ArrayList<>();
    private final List<StateCarryingMessage> sentToBig = new ArrayList<>();

    private ConvergenceCheck check(int pageSize) {
        return new ConvergenceCheck(List.of(totals), List.of(
                new ConvergenceCheck.Bound<>(sums, sumViews, sentToSums::add),
                new ConvergenceCheck.Bound<>(big, bigViews, sentToBig::add)), pageSize);
    }

    @Test
    void viewsMissingOrOlderThanTheirAggregateAreStaleAndCurrentOnesAreNot() {
        totals.append("current", 0, new Added(1));
        sumViews.write("current", 1, new Sum(1));
        totals.append("behind", 0, new Added(2));
        totals.append("behind", 1, new Added(3));
        sumViews.write("behind", 1, new Sum(2));
        totals.append("missing", 0, new Added(4));

        ConvergenceCheck.Report report = check(100).run(false, p -> { });

        assertThat(report.converged()).isFalse();
        assertThat(report.aggregates()).isEqualTo(3);
        assertThat(report.views()).as("each aggregate against each projection").isEqualTo(6);
        assertThat(report.staleCount()).isEqualTo(2);
        assertThat(report.stale()).containsExactlyInAnyOrder(
                new ConvergenceCheck.Stale("sums", "behind", 1, 2),
                new ConvergenceCheck.Stale("sums", "missing", 0, 1));
        assertThat(report.repaired()).isZero();
        assertThat(sentToSums).as("without repair nothing is sent").isEmpty();
    }

    @Test
    void repairSendsTheAggregateAtItsHeadToTheStaleProjectionOnlyAndThenItConverges() {
        totals.append("a", 0, new Added(5));
        totals.append("a", 1, new Added(7)); // 12: a row in both projections
        sumViews.write("a", 2, new Sum(12)); // sums is current, big-sums has nothing

        ConvergenceCheck.Report report = check(100).run(true, p -> { });

        assertThat(report.staleCount()).isEqualTo(1);
        assertThat(report.repaired()).isEqualTo(1);
        assertThat(sentToSums).isEmpty();
        assertThat(sentToBig).singleElement().satisfies(m -> {
            assertThat(m.aggregateId()).isEqualTo("a");
            assertThat(m.version()).isEqualTo(2);
            assertThat(m.aggregate(Total.class).state()).isEqualTo(new Total(12, 2));
        });

        // the projection writes the message like any delivery; the next check finds nothing stale
        StateCarryingMessage m = sentToBig.get(0);
        Projection.Row<Sum> row = big.rowOf(m).orElseThrow();
        bigViews.write(row.key(), row.version(), row.view());
        ConvergenceCheck.Report after = check(100).run(true, p -> { });
        assertThat(after.converged()).isTrue();
        assertThat(after.repaired()).isZero();
        assertThat(sentToBig).hasSize(1);
    }

    @Test
    void oneMessagePerStaleAggregateAndProjection() {
        totals.append("a", 0, new Added(20)); // stale in both projections: one message to each
        ConvergenceCheck.Report report = check(100).run(true, p -> { });
        assertThat(report.staleCount()).isEqualTo(2);
        assertThat(report.repaired()).isEqualTo(2);
        assertThat(sentToSums).hasSize(1);
        assertThat(sentToBig).hasSize(1);
        assertThat(sentToSums.get(0)).isEqualTo(sentToBig.get(0));
    }

    @Test
    void walksTheAggregatesAPageAtATimeAndSaysSoAfterEachPage() {
        for (int i = 0; i < 5; i++) {
            totals.append("t" + i, 0, new Added(1));
        }
        List<String> progress = new ArrayList<>();

        ConvergenceCheck.Report report = check(2).run(false, progress::add);

        assertThat(report.aggregates()).isEqualTo(5);
        assertThat(report.staleCount()).isEqualTo(5);
        assertThat(progress).containsExactly(
                "tally-total: 2 aggregates checked, 2 stale views",
                "tally-total: 4 aggregates checked, 4 stale views",
                "tally-total: 5 aggregates checked, 5 stale views");
    }

    @Test
    void aProjectionOfAStoreItWasNotGivenIsRefusedNamingTheStore() {
        Projection<Total, Sum> elsewhere = new Projection<>("elsewhere", "ledger-of-others", Total.class, Sum.class,
                a -> new Sum(0), a -> a.aggregateId());
        assertThatThrownBy(() -> new ConvergenceCheck(List.of(totals), List.of(
                new ConvergenceCheck.Bound<>(elsewhere, sumViews, m -> { })), 10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("elsewhere").hasMessageContaining("'ledger-of-others'")
                .hasMessageContaining("tally-total");
    }
}
