package dev.tally.examples.orders;

import dev.tally.core.internal.Chaos;
import dev.tally.postgres.PostgresPipeline;
import dev.tally.postgres.PostgresTables;
import dev.tally.postgres.PostgresTimerStore;
import dev.tally.postgres.TestDatabase;

/**
 * The order saga on PostgreSQL: the ledger, a catch-up subscription per saga target, timers in the
 * saga_timers table; a restart is a new pipeline on the same schema.
 */
class OrderSagaOnPostgresTest extends OrderSagaScenarios {
    PostgresTables tables;

    private Shop open(Crashes crashes, Shop.MovableClock clock) {
        PostgresPipeline pipeline = PostgresPipeline.builder(TestDatabase.dataSource()).tables(tables).build();
        return new Shop(pipeline, pipeline.ledger(), new PostgresTimerStore(TestDatabase.dataSource(), tables),
                crashes, clock);
    }

    @Override
    Shop newShop(Chaos chaos, Crashes crashes, Shop.MovableClock clock) {
        tables = TestDatabase.freshTables("orders");
        return open(crashes, clock);
    }

    @Override
    Shop restart(Shop halted, Shop.MovableClock clock) {
        halted.close();
        return open(Crashes.NONE, clock);
    }
}
