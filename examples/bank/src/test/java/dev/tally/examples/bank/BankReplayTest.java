package dev.tally.examples.bank;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.EventStore;
import dev.tally.core.memory.InMemoryPipeline;
import dev.tally.core.memory.InMemoryProjectionWriter;
import dev.tally.core.internal.Chaos;
import dev.tally.core.projection.Projector;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Invariant 5: a replay is an event; it changes no state and refreshes every projection. */
class BankReplayTest {

    @Test
    void replayLeavesTheStateAndRefreshesAWipedProjection() {
        InMemoryProjectionWriter<BalanceView> balances = new InMemoryProjectionWriter<>("balance");
        InMemoryProjectionWriter<LastTransaction> lastTx = new InMemoryProjectionWriter<>("last-tx");
        BankProjections projections = new BankProjections(balances, lastTx, new InMemoryProjectionWriter<>("m"));
        try (InMemoryPipeline pipeline = InMemoryPipeline.create(Chaos.NONE)) {
            EventStore<Account> accounts = pipeline.store(BankAccount.DEFINITION);
            for (Projector<Account, ?> p : projections.projectors()) {
                pipeline.subscribe(p.target());
            }
            pipeline.start();
            accounts.execute("alice", new Credit(100));
            accounts.execute("alice", new Debit(30));
            assertThat(pipeline.awaitQuiet(Duration.ofSeconds(10))).isTrue();
            Account before = accounts.load("alice").state();

            balances.clear();
            lastTx.clear();
            assertThat(projections.account("alice")).isEmpty();

            accounts.requestReplay("alice", "wiped the balance projection");
            assertThat(pipeline.awaitQuiet(Duration.ofSeconds(10))).isTrue();

            assertThat(accounts.load("alice").state()).isEqualTo(before);
            assertThat(accounts.load("alice").version()).isEqualTo(3);
            var view = projections.account("alice").orElseThrow();
            assertThat(view.balance()).isEqualTo(70);
            assertThat(view.version()).isEqualTo(3);
            assertThat(view.lastTransaction().type()).isEqualTo("debit");
            assertThat(view.lastTransaction().version()).isEqualTo(2);
        }
    }
}
