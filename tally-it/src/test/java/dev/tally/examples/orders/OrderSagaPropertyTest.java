package dev.tally.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.memory.InMemoryPipeline;
import dev.tally.core.memory.InMemoryTimerStore;
import dev.tally.core.internal.Chaos;
import dev.tally.examples.orders.OrderSagaProperties.World;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * {@link OrderSagaProperties} on the in-memory pipeline, through the chaotic bus (duplicates,
 * delays, reordering), with crashes injected between the saga's steps: many tries, it is fast.
 */
class OrderSagaPropertyTest {
    static final AtomicInteger CRASHES = new AtomicInteger();

    @AfterContainer
    static void crashesWereInjected() {
        assertThat(CRASHES.get()).as("crashes injected over all tries").isGreaterThan(0);
    }

    @Provide
    Arbitrary<World> worlds() {
        return OrderSagaProperties.worlds(8);
    }

    @Property(tries = 12)
    void everyOrderEndsAndNothingIsLostOrAppliedTwice(@ForAll("worlds") World world) {
        Crashes crashes = OrderSagaProperties.crashes(world);
        InMemoryPipeline pipeline = InMemoryPipeline.create(new Chaos(0.3, Duration.ofMillis(5), true));
        try (Shop shop = new Shop(pipeline, pipeline.ledger(), new InMemoryTimerStore(), crashes,
                new Shop.MovableClock())) {
            OrderSagaProperties.check(world, shop);
            CRASHES.addAndGet(crashes.injected());
        }
    }
}
