package dev.tally.examples.bank;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.CommandGroup;
import dev.tally.core.EventMetadata;
import dev.tally.core.EventStore;
import dev.tally.core.ReadOptions;
import dev.tally.core.RetryPolicy;
import dev.tally.core.ledger.GroupTooLarge;
import dev.tally.core.spi.LedgerAdapter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A transfer between two accounts as one command over both ({@link CommandGroup}): a debit the
 * source cannot cover refuses the whole transfer with nothing appended; racing transfers are decided
 * again as a whole and never overdraw an account nor lose money. Run on every ledger.
 */
abstract class BankTransferScenarios {

    /** A fresh, empty ledger of the backend under test. */
    abstract LedgerAdapter ledger();

    EventStore<Account> accounts(LedgerAdapter ledger) {
        return EventStore.builder(BankAccount.DEFINITION, ledger).build();
    }

    static CommandGroup.GroupResult transfer(EventStore<Account> accounts, String from, String to, long amount,
                                             EventMetadata metadata) {
        return CommandGroup.of().retryPolicy(new RetryPolicy(500, Duration.ofMillis(1), Duration.ofMillis(20)))
                .add(accounts, from, new Debit(amount)).add(accounts, to, new Credit(amount)).execute(metadata);
    }

    static long events(EventStore<?> store, String id) {
        return store.read(id, ReadOptions.ALL).size();
    }

    @Test
    void aTransferAppendsTheDebitAndTheCreditTogether() {
        EventStore<Account> accounts = accounts(ledger());
        accounts.execute("alice", new Credit(100));
        CommandGroup.GroupResult r = transfer(accounts, "alice", "bob", 30, EventMetadata.empty());

        assertThat(r.isAccepted()).isTrue();
        assertThat(((CommandGroup.Accepted) r).events()).extracting(e -> e.aggregateId() + ":" + e.type())
                .containsExactly("alice:Debited", "bob:Credited");
        assertThat(accounts.load("alice").state().balance()).isEqualTo(70);
        assertThat(accounts.load("bob").state().balance()).isEqualTo(30);
    }

    @Test
    void aTransferThatWouldOverdrawIsRefusedAndNothingIsAppended() {
        EventStore<Account> accounts = accounts(ledger());
        accounts.execute("alice", new Credit(100));
        accounts.execute("bob", new Credit(5));
        CommandGroup.GroupResult r = transfer(accounts, "alice", "bob", 101, EventMetadata.empty());

        assertThat(r).isInstanceOf(CommandGroup.Rejected.class);
        CommandGroup.Rejected rejected = (CommandGroup.Rejected) r;
        assertThat(rejected.rejection().code()).isEqualTo("insufficient_funds");
        assertThat(rejected.aggregateId()).isEqualTo("alice");
        assertThat(events(accounts, "alice")).isEqualTo(1);
        assertThat(events(accounts, "bob")).as("the credit half is not appended either").isEqualTo(1);
        assertThat(accounts.load("bob").state().balance()).isEqualTo(5);
    }

    @Test
    void aTransferWithACommandIdAppliesOnce() {
        EventStore<Account> accounts = accounts(ledger());
        accounts.execute("alice", new Credit(100));
        EventMetadata once = EventMetadata.empty().withCommandId("transfer-1");
        CommandGroup.GroupResult first = transfer(accounts, "alice", "bob", 30, once);
        CommandGroup.GroupResult again = transfer(accounts, "alice", "bob", 30, once);

        assertThat(((CommandGroup.Accepted) again).events()).isEqualTo(((CommandGroup.Accepted) first).events());
        assertThat(accounts.load("alice").state().balance()).isEqualTo(70);
        assertThat(events(accounts, "bob")).isEqualTo(1);
    }

    @Test
    void racingTransfersAreDecidedAgainAsAWholeAndNeverOverdraw() throws Exception {
        LedgerAdapter ledger = ledger();
        List<String> ids = List.of("a", "b", "c");
        EventStore<Account> setup = accounts(ledger);
        ids.forEach(id -> setup.execute(id, new Credit(100)));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        AtomicLong accepted = new AtomicLong();
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int thread = t;
            // each thread its own store (own cache, no shared lock): only the ledger's conditional write decides
            EventStore<Account> accounts = EventStore.builder(BankAccount.DEFINITION, ledger).localCommandLock(false)
                    .build();
            done.add(pool.submit(() -> {
                for (int i = 0; i < 15; i++) {
                    String from = ids.get((thread + i) % 3);
                    String to = ids.get((thread + i + 1) % 3);
                    if (transfer(accounts, from, to, 40, EventMetadata.empty()).isAccepted()) {
                        accepted.incrementAndGet();
                    }
                }
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
        long total = 0;
        long debits = 0;
        for (String id : ids) {
            Account a = setup.load(id).state();
            assertThat(a.balance()).as("balance of %s", id).isGreaterThanOrEqualTo(0);
            total += a.balance();
            debits += setup.read(id, ReadOptions.ALL).stream().filter(e -> e.type().equals("Debited")).count();
        }
        assertThat(total).as("money is moved, never made or lost").isEqualTo(300);
        assertThat(debits).isEqualTo(accepted.get());
        assertThat(accepted.get()).isPositive();
    }

    @Test
    void aGroupOverTheTransactionLimitIsRefusedBeforeAnythingIsWritten() {
        EventStore<Account> accounts = accounts(ledger());
        CommandGroup group = CommandGroup.of();
        for (int i = 0; i < 51; i++) {
            group.add(accounts, "acct-" + i, new Credit(1));
        }
        assertThatThrownBy(() -> group.execute(EventMetadata.empty())).isInstanceOf(GroupTooLarge.class)
                .hasMessageContaining("102 items").hasMessageContaining("limit of 100");
        assertThat(events(accounts, "acct-0")).isZero();
    }
}
