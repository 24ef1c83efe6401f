package dev.tally.examples.bank;

import dev.tally.core.spi.LedgerAdapter;
import dev.tally.postgres.PostgresLedger;
import dev.tally.postgres.TestDatabase;

/** Transfers on a real PostgreSQL: each group is one transaction. */
class BankTransferOnPostgresTest extends BankTransferScenarios {
    @Override
    LedgerAdapter ledger() {
        return new PostgresLedger(TestDatabase.dataSource(), TestDatabase.freshTables("bank_transfer"));
    }
}
