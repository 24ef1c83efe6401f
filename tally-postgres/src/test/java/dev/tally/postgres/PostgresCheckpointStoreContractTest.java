package dev.tally.postgres;

import dev.tally.core.spi.CheckpointStore;
import dev.tally.testing.CheckpointStoreContract;

/** The checkpoint store contract on a real PostgreSQL: each store a new instance on the same schema. */
class PostgresCheckpointStoreContractTest extends CheckpointStoreContract {
    private static final PostgresTables TABLES = TestDatabase.freshTables("checkpoint_contract");

    @Override
    protected CheckpointStore openStore() {
        return new PostgresCheckpointStore(TestDatabase.dataSource(), TABLES);
    }

    @Override
    protected boolean keepsSequenceNumbers() {
        return false; // a bigint column of global-log positions
    }
}
