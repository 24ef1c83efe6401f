package dev.tally.examples.bank;

import dev.tally.postgres.PostgresLedger;
import dev.tally.postgres.PostgresSnapshotStore;
import dev.tally.postgres.PostgresTables;
import dev.tally.postgres.TestDatabase;
import org.junit.jupiter.api.Test;

/** Seed 000's race on a real PostgreSQL: 8 threads x 250 debits on 1000, exactly 1000 win. */
class BankPostgresConcurrencyTest {

    @Test
    void eightThreadsOfDebitsOnThePostgresLedger() throws Exception {
        PostgresTables tables = TestDatabase.freshTables("bank_race");
        BankRace.Outcome outcome = BankRace.run(BankConcurrencyTest.store(
                new PostgresLedger(TestDatabase.dataSource(), tables),
                new PostgresSnapshotStore(TestDatabase.dataSource(), tables)), 8, 250);
        outcome.assertExact(1000);
    }
}
