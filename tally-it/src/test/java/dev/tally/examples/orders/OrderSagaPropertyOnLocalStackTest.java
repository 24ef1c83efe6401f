package dev.tally.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.internal.Chaos;
import dev.tally.dynamodb.DynamoDbTables;
import dev.tally.dynamodb.DynamoDbTimerStore;
import dev.tally.dynamodb.TableDefinitions;
import dev.tally.examples.orders.OrderSagaProperties.World;
import dev.tally.local.LocalDynamoDb;
import dev.tally.local.LocalPipeline;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * {@link OrderSagaProperties} on the one-JVM serverless stack: the DynamoDB Local ledger and its
 * stream, the local EventBridge in chaos mode (duplicates, delays, reordering), timers in a DynamoDB
 * table, crashes injected between the saga's steps. Few tries (each one a fresh set of tables):
 * the in-memory test ({@link OrderSagaPropertyTest}) explores more worlds.
 */
class OrderSagaPropertyOnLocalStackTest {
    static final AtomicInteger CRASHES = new AtomicInteger();
    static LocalDynamoDb db;

    @BeforeContainer
    static void startDynamoDb() {
        db = LocalDynamoDb.inMemory();
    }

    @AfterContainer
    static void stopDynamoDbAndCheckCrashes() {
        db.close();
        assertThat(CRASHES.get()).as("crashes injected over all tries").isGreaterThan(0);
    }

    @Provide
    Arbitrary<World> worlds() {
        return OrderSagaProperties.worlds(6);
    }

    @Property(tries = 8, shrinking = ShrinkingMode.OFF)
    void everyOrderEndsAndNothingIsLostOrAppliedTwice(@ForAll("worlds") World world) {
        Crashes crashes = OrderSagaProperties.crashes(world);
        String prefix = "p" + UUID.randomUUID().toString().substring(0, 8);
        LocalPipeline pipeline = LocalPipeline.builder(db).tablePrefix(prefix)
                .chaos(new Chaos(0.3, Duration.ofMillis(5), true)).drain(Duration.ofSeconds(2)).build();
        DynamoDbTables.createIfMissing(db.client(), TableDefinitions.keyValue(prefix + "-timers"));
        try (Shop shop = new Shop(pipeline, pipeline.ledger(), new DynamoDbTimerStore(db.client(), prefix + "-timers"),
                crashes, new Shop.MovableClock())) {
            OrderSagaProperties.check(world, shop);
            CRASHES.addAndGet(crashes.injected());
        }
    }
}
