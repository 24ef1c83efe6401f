package dev.tally.postgres;

import dev.tally.core.spi.TimerStore;
import dev.tally.testing.TimerStoreContract;

/** The timer store contract on a real PostgreSQL: each store a new instance on the same schema. */
class PostgresTimerStoreContractTest extends TimerStoreContract {
    private static final PostgresTables TABLES = TestDatabase.freshTables("timer_contract");

    @Override
    protected TimerStore openStore() {
        return new PostgresTimerStore(TestDatabase.dataSource(), TABLES);
    }
}
