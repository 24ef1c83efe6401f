package dev.tally.examples.bank;

import dev.tally.core.EventStore;
import dev.tally.core.ledger.LedgerAdapter;
import dev.tally.core.memory.InMemoryLedger;
import dev.tally.core.memory.InMemorySnapshotStore;
import dev.tally.core.snapshot.SnapshotPolicy;
import dev.tally.core.snapshot.SnapshotStore;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Seed 000's race, 2000 times: no overdraft ever, no debit lost, no version skipped or doubled. */
class BankConcurrencyTest {

    @Test
    void eightThreadsOfDebitsOnTheInMemoryLedger() throws Exception {
        BankRace.Outcome outcome = BankRace.run(store(new InMemoryLedger(), new InMemorySnapshotStore()), 8, 250);
        outcome.assertExact(1000);
    }

    static EventStore<Account> store(LedgerAdapter ledger, SnapshotStore snapshots) {
        return EventStore.builder(BankAccount.DEFINITION, ledger)
                .snapshots(snapshots, SnapshotPolicy.everyNEvents(100)).build();
    }

    @Test
    void theRaceHelperDetectsAnOverdraft() {
        // a test that cannot fail is a defect: a broken outcome must be caught
        BankRace.Outcome broken = new BankRace.Outcome(1001, 999, 1, List.of());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> broken.assertExact(1000))
                .isInstanceOf(AssertionError.class);
    }

}
