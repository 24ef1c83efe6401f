package dev.tally.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.examples.orders.OrderSagaProperties.World;
import dev.tally.postgres.PostgresPipeline;
import dev.tally.postgres.PostgresTables;
import dev.tally.postgres.PostgresTimerStore;
import dev.tally.postgres.TestDatabase;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * {@link OrderSagaProperties} on PostgreSQL: the ledger, a catch-up subscription per saga target,
 * timers in the saga_timers table, crashes injected between the saga's steps. PostgreSQL has no bus
 * to make chaotic (each target reads the ledger in order from its checkpoint): the disorder here is
 * the crashes and the retries they cause. Few tries, each on fresh tables.
 */
class OrderSagaPropertyOnPostgresTest {
    static final AtomicInteger CRASHES = new AtomicInteger();

    @AfterContainer
    static void crashesWereInjected() {
        assertThat(CRASHES.get()).as("crashes injected over all tries").isGreaterThan(0);
    }

    @Provide
    Arbitrary<World> worlds() {
        return OrderSagaProperties.worlds(6);
    }

    @Property(tries = 8, shrinking = ShrinkingMode.OFF)
    void everyOrderEndsAndNothingIsLostOrAppliedTwice(@ForAll("worlds") World world) {
        Crashes crashes = OrderSagaProperties.crashes(world);
        PostgresTables tables = TestDatabase.freshTables("oprop");
        PostgresPipeline pipeline = PostgresPipeline.builder(TestDatabase.dataSource()).tables(tables).build();
        try (Shop shop = new Shop(pipeline, pipeline.ledger(), new PostgresTimerStore(TestDatabase.dataSource(),
                tables), crashes, new Shop.MovableClock())) {
            OrderSagaProperties.check(world, shop);
            CRASHES.addAndGet(crashes.injected());
        }
    }
}
