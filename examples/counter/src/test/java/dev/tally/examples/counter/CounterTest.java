package dev.tally.examples.counter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.EventStore;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.command.CommandResult;
import dev.tally.core.memory.InMemoryPipeline;
import dev.tally.core.memory.InMemoryProjectionWriter;
import dev.tally.core.internal.Chaos;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Seed 001: concurrent increments all count, and the query side converges to the count. */
class CounterTest {

    @Test
    void eightThreadsOfIncrementsAllCount() throws Exception {
        InMemoryProjectionWriter<Counter.CountView> counts = new InMemoryProjectionWriter<>("count");
        try (InMemoryPipeline pipeline = InMemoryPipeline.create(Chaos.typical())) {
            EventStore<Counter.State> counters = pipeline.store(Counter.DEFINITION);
            pipeline.subscribe(Counter.projector(counts).target());
            pipeline.start();

            ExecutorService pool = Executors.newFixedThreadPool(8);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> futures = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    int ok = 0;
                    for (int i = 0; i < 250; i++) {
                        ok += counters.execute("hits", new Counter.Increment()) instanceof CommandResult.Accepted ? 1 : 0;
                    }
                    return ok;
                }));
            }
            start.countDown();
            int accepted = 0;
            for (Future<Integer> f : futures) {
                accepted += f.get(5, TimeUnit.MINUTES);
            }
            pool.shutdown();

            assertThat(accepted).isEqualTo(2000);
            assertThat(counters.load("hits").state().count()).isEqualTo(2000);
            List<Long> versions = counters.read("hits", ReadOptions.ALL).stream().map(RecordedEvent::version).toList();
            assertThat(versions).hasSize(2000).doesNotHaveDuplicates().isSorted();
            assertThat(versions.get(1999)).isEqualTo(2000);

            assertThat(pipeline.awaitQuiet(Duration.ofSeconds(30))).isTrue();
            assertThat(counts.read("hits").orElseThrow().view()).isEqualTo(new Counter.CountView(2000));
            assertThat(counts.read("hits").orElseThrow().version()).isEqualTo(2000);
        }
    }
}
