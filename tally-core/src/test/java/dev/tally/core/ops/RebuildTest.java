package dev.tally.core.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.Aggregate;
import dev.tally.core.EventStore;
import dev.tally.core.Fixtures;
import dev.tally.core.Fixtures.Add;
import dev.tally.core.Fixtures.Total;
import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.memory.InMemoryLedger;
import dev.tally.core.memory.InMemoryProjectionWriter;
import dev.tally.core.message.StateCarryingMessage;
import dev.tally.core.projection.Projection;
import dev.tally.core.projection.Projector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RebuildTest {
    @TempDir
    Path dir;

    /** Ids "a0000".."a{n-1}" paged by index, the way a ledger pages its listing. */
    private static Rebuild.Ids ids(int n) {
        return request -> {
            int from = request.cursor() == null ? 0 : Integer.parseInt(request.cursor());
            List<String> items = new ArrayList<>();
            for (int i = from; i < Math.min(n, from + request.size()); i++) {
                items.add(String.format("a%04d", i));
            }
            int next = from + items.size();
            return new Page<>(items, next >= n ? null : Integer.toString(next));
        };
    }

    static final class Killed extends RuntimeException {
    }

    @Test
    void aRunKilledAtAnyPointResumesAndSendsAgainAtMostOnePage() {
        int n = 537;
        int page = 50;
        for (int killAfter = 0; killAfter <= n; killAfter += 23) {
            Map<String, Integer> sends = new HashMap<>();
            AtomicLong budget = new AtomicLong(killAfter);
            Rebuild.Sender dying = batch -> {
                for (String id : batch) {
                    if (budget.getAndDecrement() <= 0) {
                        throw new Killed(); // the process dies in the middle of a page
                    }
                    sends.merge(id, 1, Integer::sum);
                }
                return new Rebuild.Sent(batch.size(), batch.size());
            };
            RebuildCheckpointFile place = new RebuildCheckpointFile(dir.resolve("kill-" + killAfter + ".json"), "job");
            boolean killed;
            try {
                Rebuild.builder(ids(n), dying).pageSize(page).checkpoint(place).build().run();
                killed = false;
            } catch (Killed e) {
                killed = true;
            }
            assertThat(killed).isEqualTo(killAfter < n);
            long before = sends.values().stream().mapToLong(Integer::longValue).sum();
            assertThat(before).isEqualTo(Math.min(killAfter, n));

            Rebuild.Sender healthy = batch -> {
                batch.forEach(id -> sends.merge(id, 1, Integer::sum));
                return new Rebuild.Sent(batch.size(), batch.size());
            };
            Rebuild.Result r = Rebuild.builder(ids(n), healthy).pageSize(page).checkpoint(place).build().run();
            long total = sends.values().stream().mapToLong(Integer::longValue).sum();
            assertThat(sends).hasSize(n);                       // every aggregate sent
            assertThat(total - n).isLessThanOrEqualTo(page);    // at most one page again
            assertThat(r.resumedAfter() % page).isZero();
            assertThat(r.resumedAfter()).isLessThanOrEqualTo(killAfter);
            assertThat(killAfter - r.resumedAfter()).isLessThan(page);
            assertThat(r.aggregates()).isEqualTo(n);
            assertThat(Files.exists(place.file())).as("cleared once complete").isFalse();
        }
    }

    @Test
    void oneMessagePerAggregateToTheOneProjectionAndViewsEqualTheFold() {
        InMemoryLedger ledger = new InMemoryLedger();
        EventStore<Total> totals = EventStore.builder(Fixtures.TOTAL, ledger).build();
        long events = 0;
        for (int i = 0; i < 120; i++) {
            for (int k = 0; k <= i % 7; k++) {
                totals.execute("t" + i, new Add(k + i));
                events++;
            }
        }
        Projection<Total, Long> sums = Projection.of("sums", Fixtures.TOTAL, Long.class, a -> a.state().sum());
        InMemoryProjectionWriter<Long> writer = new InMemoryProjectionWriter<>("sums");
        Projector<Total, Long> projector = new Projector<>(sums, writer);
        List<StateCarryingMessage> delivered = new ArrayList<>();
        Rebuild.Result r = Rebuild.builder(totals::listAggregateIds, new ProjectionResend(totals, m -> {
            delivered.add(m);
            projector.handle(m);
        })).pageSize(25).build().run();

        assertThat(r.messages()).isEqualTo(120).isEqualTo(delivered.size());
        assertThat(r.events()).isEqualTo(events);
        assertThat(delivered.stream().map(m -> m.event().aggregateId()).distinct().count()).isEqualTo(120);
        for (int i = 0; i < 120; i++) {
            Aggregate<Total> a = totals.load("t" + i);
            assertThat(writer.read("t" + i).orElseThrow().view()).isEqualTo(a.state().sum());
            assertThat(writer.read("t" + i).orElseThrow().version()).isEqualTo(a.version());
        }
        // a second rebuild writes nothing new: the views are as new as the messages
        long written = projector.writtenCount();
        Rebuild.builder(totals::listAggregateIds, new ProjectionResend(totals, projector::handle)).build().run();
        assertThat(projector.writtenCount()).isEqualTo(written);
    }

    @Test
    void theRateSpacesSendsEvenly() {
        long[] now = {0};
        List<Long> sleeps = new ArrayList<>();
        RateLimit limit = new RateLimit(40, () -> now[0], nanos -> {
            sleeps.add(nanos);
            now[0] += nanos;
        });
        List<Long> sentAt = new ArrayList<>();
        Rebuild.builder(ids(100), batch -> {
            sentAt.add(now[0]);
            return new Rebuild.Sent(batch.size(), 0);
        }).pageSize(30).rate(limit).nanoTime(() -> now[0]).build().run();
        // chunks of rate/4 = 10 aggregates, each due 10/40 s after the one before
        assertThat(sentAt).hasSize(10); // pages of 30, 30, 30, 10 in chunks of 10
        for (int i = 1; i < sentAt.size(); i++) {
            assertThat(sentAt.get(i) - sentAt.get(i - 1)).isEqualTo(250_000_000L);
        }
    }

    @Test
    void progressKnowsTheTotalAndTheTimeLeft() {
        long[] now = {0};
        List<Rebuild.Progress> seen = new ArrayList<>();
        Rebuild.builder(ids(200), batch -> {
            now[0] += 1_000_000_000L; // each page takes a second
            return new Rebuild.Sent(batch.size(), 3L * batch.size());
        }).pageSize(50).total(200).nanoTime(() -> now[0]).progress(seen::add).build().run();
        assertThat(seen).hasSize(4);
        Rebuild.Progress first = seen.get(0);
        assertThat(first.aggregates()).isEqualTo(50);
        assertThat(first.perSecond()).isEqualTo(50.0);
        assertThat(first.left()).hasValue(java.time.Duration.ofSeconds(3));
        assertThat(seen.get(3).finished()).isTrue();
        assertThat(seen.get(3).events()).isEqualTo(600);
    }

    @Test
    void aCheckpointOfAnotherRebuildIsRefused() {
        Path f = dir.resolve("p.json");
        new RebuildCheckpointFile(f, "balance").save(new Rebuild.Position("x", 1, 1, 1));
        assertThatThrownBy(() -> new RebuildCheckpointFile(f, "count").load())
                .hasMessageContaining("belongs to the rebuild 'balance'");
    }

    @Test
    void countReadsIdsOnly() {
        assertThat(Rebuild.count(ids(1234), 100, c -> { })).isEqualTo(1234);
        assertThat(Rebuild.count(PageRequestEcho.EMPTY, 100, c -> { })).isZero();
    }

    private static final class PageRequestEcho {
        static final Rebuild.Ids EMPTY = (PageRequest r) -> new Page<>(List.of(), null);
    }
}
