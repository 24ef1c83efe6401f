package dev.tally.examples.bank;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.EventStore;
import dev.tally.core.memory.InMemoryPipeline;
import dev.tally.core.memory.InMemoryProjectionWriter;
import dev.tally.core.internal.Chaos;
import dev.tally.core.projection.Projector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The whole in-memory pipeline with a chaotic bus and concurrent writers converges. */
class BankPipelineTest {

    @Test
    void viewsConvergeToTheLedgerUnderChaos() throws Exception {
        BankProjections projections = new BankProjections(new InMemoryProjectionWriter<>("balance"),
                new InMemoryProjectionWriter<>("last-tx"), new InMemoryProjectionWriter<>("last-month"));
        try (InMemoryPipeline pipeline = InMemoryPipeline.create(new Chaos(0.3, Duration.ofMillis(10), true))) {
            EventStore<Account> accounts = pipeline.store(BankAccount.DEFINITION);
            for (Projector<Account, ?> p : projections.projectors()) {
                pipeline.subscribe(p.target());
            }
            pipeline.start();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int seed = t;
                futures.add(pool.submit(() -> {
                    Random r = new Random(seed);
                    for (int i = 0; i < 200; i++) {
                        String id = "acc-" + r.nextInt(5);
                        if (r.nextInt(3) == 0) {
                            accounts.execute(id, new Debit(1 + r.nextInt(20)));
                        } else {
                            accounts.execute(id, new Credit(1 + r.nextInt(20)));
                        }
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get(2, TimeUnit.MINUTES);
            }
            pool.shutdown();
            assertThat(pipeline.awaitQuiet(Duration.ofSeconds(30))).isTrue();
            for (int i = 0; i < 5; i++) {
                String id = "acc-" + i;
                assertThat(projections.account(id)).contains(BankProjections.expected(accounts.load(id)));
            }
            assertThat(pipeline.bus().engine().deadLetterStore().list()).isEmpty();
        }
    }
}
