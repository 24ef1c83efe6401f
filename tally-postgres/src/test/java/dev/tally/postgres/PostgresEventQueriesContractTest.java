package dev.tally.postgres;

import dev.tally.core.spi.LedgerAdapter;
import dev.tally.core.query.EventQueries;
import dev.tally.testing.EventQueriesContract;

/** The event query contract on a real PostgreSQL. */
class PostgresEventQueriesContractTest extends EventQueriesContract {
    private static final PostgresLedger LEDGER = new PostgresLedger(TestDatabase.dataSource(),
            TestDatabase.freshTables("event_queries"));
    private static final PostgresEventQueries QUERIES = PostgresEventQueries.of(LEDGER);

    @Override
    protected LedgerAdapter ledger() {
        return LEDGER;
    }

    @Override
    protected EventQueries queries() {
        return QUERIES;
    }
}
