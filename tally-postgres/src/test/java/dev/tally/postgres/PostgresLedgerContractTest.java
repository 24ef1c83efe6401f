package dev.tally.postgres;

import dev.tally.core.spi.LedgerAdapter;
import dev.tally.testing.LedgerAdapterContract;

/** The ledger contract on a real PostgreSQL. */
class PostgresLedgerContractTest extends LedgerAdapterContract {
    private static final PostgresLedger LEDGER = new PostgresLedger(TestDatabase.dataSource(),
            TestDatabase.freshTables("ledger_contract"));

    @Override
    protected LedgerAdapter ledger() {
        return LEDGER;
    }
}
