package dev.tally.postgres;

import dev.tally.core.spi.DeadLetterStore;
import dev.tally.testing.DeadLetterStoreContract;
import java.util.OptionalInt;

/** The dead-letter store contract on a real PostgreSQL, with a small body limit so the reference case is quick. */
class PostgresDeadLetterStoreContractTest extends DeadLetterStoreContract {
    private static final int LIMIT = 4096;

    @Override
    protected DeadLetterStore emptyStore() {
        return new PostgresDeadLetterStore(TestDatabase.dataSource(), TestDatabase.freshTables("dlq_contract"), LIMIT);
    }

    @Override
    protected OptionalInt maxBodyBytes() {
        return OptionalInt.of(LIMIT);
    }

    @Override
    protected boolean pagesInFailureOrder() {
        return true;
    }
}
