package dev.tally.examples.bank;

import dev.tally.core.EventStore;
import dev.tally.core.RetryPolicy;
import java.time.Duration;
import dev.tally.core.spi.LedgerAdapter;
import dev.tally.core.memory.InMemoryLedger;
import dev.tally.core.memory.InMemorySnapshotStore;
import dev.tally.core.snapshot.SnapshotPolicy;
import dev.tally.core.spi.SnapshotStore;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Seed 000's race, 2000 times: no overdraft ever, no debit lost, no version skipped or doubled. */
class BankConcurrencyTest {

    /** Patient enough for 8 writers racing on one aggregate from 8 "processes". */
    static final RetryPolicy RACE = new RetryPolicy(500, Duration.ofMillis(1), Duration.ofMillis(25));

    @Test
    void eightThreadsOfDebitsInOneProcess() throws Exception {
        BankRace.run(store(new InMemoryLedger(), new InMemorySnapshotStore()), 8, 250).assertExact(1000);
    }

    @Test
    void eightProcessesOfDebitsRacingThroughTheLedgerAlone() throws Exception {
        InMemoryLedger ledger = new InMemoryLedger();
        InMemorySnapshotStore snapshots = new InMemorySnapshotStore();
        BankRace.run(t -> racingStore(ledger, snapshots), 8, 250).assertExact(1000);
    }

    static EventStore<Account> store(LedgerAdapter ledger, SnapshotStore snapshots) {
        return EventStore.builder(BankAccount.DEFINITION, ledger)
                .snapshots(snapshots, SnapshotPolicy.everyNEvents(100)).build();
    }

    /** A store of its own, as another process would have: own cache, commands not serialised. */
    static EventStore<Account> racingStore(LedgerAdapter ledger, SnapshotStore snapshots) {
        return EventStore.builder(BankAccount.DEFINITION, ledger)
                .snapshots(snapshots, SnapshotPolicy.everyNEvents(100))
                .localCommandLock(false).retryPolicy(RACE).build();
    }

    @Test
    void theRaceHelperDetectsAnOverdraft() {
        // a test that cannot fail is a defect: a broken outcome must be caught
        BankRace.Outcome broken = new BankRace.Outcome(1001, 999, 1, List.of());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> broken.assertExact(1000))
                .isInstanceOf(AssertionError.class);
    }

}
