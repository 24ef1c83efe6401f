package dev.tally.examples.bank;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.CommandGroup;
import dev.tally.core.EventMetadata;
import dev.tally.core.EventStore;
import dev.tally.core.command.Rejection;
import dev.tally.core.spi.LedgerAdapter;
import dev.tally.core.memory.InMemoryLedger;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Transfers on the in-memory ledger, and a rule that reads both accounts. */
class BankTransferInMemoryTest extends BankTransferScenarios {
    @Override
    LedgerAdapter ledger() {
        return new InMemoryLedger();
    }

    @Test
    void aRuleOverBothAccountsRefusesTheWholeGroup() {
        EventStore<Account> accounts = accounts(ledger());
        accounts.execute("alice", new Credit(500));
        accounts.execute("bob", new Credit(900));
        // at most 1000 in the receiving account: a rule neither account's own decider knows
        CommandGroup.Rule cap = (loaded, now) -> loaded.state(accounts, "bob").balance() + 200 > 1000
                ? Optional.of(new Rejection("over_cap", "bob would hold more than 1000")) : Optional.empty();
        CommandGroup.GroupResult r = CommandGroup.of().add(accounts, "alice", new Debit(200))
                .add(accounts, "bob", new Credit(200)).rule(cap).execute(EventMetadata.empty());

        assertThat(r).isInstanceOfSatisfying(CommandGroup.Rejected.class, rejected -> {
            assertThat(rejected.rejection().code()).isEqualTo("over_cap");
            assertThat(rejected.aggregateId()).as("refused by the rule, not by one aggregate").isNull();
        });
        assertThat(events(accounts, "alice")).isEqualTo(1);
        assertThat(events(accounts, "bob")).isEqualTo(1);
    }
}
