package dev.tally.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.projection.ProjectionWriter;
import dev.tally.core.projection.ProjectionWriter.WriteOutcome;
import dev.tally.testing.ProjectionWriterContract.TestView;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Writes of several views from several threads, grouped in transactions: with duplicates and any
 * order (so groups are cancelled by stale items and redone one by one), every view ends at the
 * highest version written, a version is reported written at most once per view and key, and the
 * highest one exactly once; a stale write is reported stale.
 */
class GroupedViewWritesPropertyTest {
    private static final GroupedViewWrites WRITES = GroupedViewWrites.grouped(DynamoDbLocalTestServer.client());

    @net.jqwik.api.lifecycle.AfterContainer
    static void groupsWereFormed() {
        assertThat(WRITES.transactions()).as("transactions of two or more writes").isPositive();
    }

    @Property(tries = 12)
    void groupedWritesEndAtTheNewestVersionOfEveryKey(@ForAll @IntRange(min = 1, max = 3) int tables,
                                                       @ForAll @IntRange(min = 1, max = 6) int keys,
                                                       @ForAll @IntRange(min = 1, max = 12) int versions,
                                                       @ForAll long seed) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        long refusedBefore = WRITES.refusedWhole();
        List<ProjectionWriter<TestView>> writers = new ArrayList<>();
        for (int t = 0; t < tables; t++) {
            String table = "grouped-prop-" + run + "-" + t;
            DynamoDbTables.createIfMissing(DynamoDbLocalTestServer.client(), TableDefinitions.views(table));
            writers.add(new DynamoDbProjectionWriter<>(WRITES, table, TestView.class));
        }
        record Write(int table, String key, long version) {
        }
        Random random = new Random(seed);
        List<Write> writes = new ArrayList<>();
        for (int t = 0; t < tables; t++) {
            for (int k = 0; k < keys; k++) {
                for (long v = 1; v <= versions; v++) {
                    writes.add(new Write(t, "k" + k, v));
                    if (random.nextInt(3) == 0) {
                        writes.add(new Write(t, "k" + k, v)); // a duplicate delivery
                    }
                }
            }
        }
        Collections.shuffle(writes, random);
        Map<String, AtomicInteger> written = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (Write w : writes) {
                futures.add(pool.submit(() -> {
                    WriteOutcome o = writers.get(w.table()).write(w.key(), w.version(),
                            new TestView(w.key(), w.version(), List.of()));
                    if (o == WriteOutcome.WRITTEN) {
                        written.computeIfAbsent(w.table() + "/" + w.key() + "/" + w.version(), x -> new AtomicInteger())
                                .incrementAndGet();
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(WRITES.refusedWhole() - refusedBefore).as("groups refused as a whole").isZero();
        written.forEach((write, count) -> assertThat(count.get()).as("times %s was reported written", write).isEqualTo(1));
        for (int t = 0; t < tables; t++) {
            for (int k = 0; k < keys; k++) {
                assertThat(writers.get(t).read("k" + k).orElseThrow().version()).isEqualTo(versions);
                assertThat(written).containsKey(t + "/k" + k + "/" + versions);
                assertThat(writers.get(t).write("k" + k, versions - 1, new TestView("late", 0, List.of())))
                        .isEqualTo(WriteOutcome.STALE);
            }
        }
    }
}
