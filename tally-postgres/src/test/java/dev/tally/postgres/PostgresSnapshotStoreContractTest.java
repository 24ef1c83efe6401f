package dev.tally.postgres;

import dev.tally.core.spi.SnapshotStore;
import dev.tally.testing.SnapshotStoreContract;

/** The snapshot store contract on a real PostgreSQL. */
class PostgresSnapshotStoreContractTest extends SnapshotStoreContract {
    private static final PostgresSnapshotStore STORE = new PostgresSnapshotStore(TestDatabase.dataSource(),
            TestDatabase.freshTables("snapshot_contract"));

    @Override
    protected SnapshotStore snapshots() {
        return STORE;
    }
}
