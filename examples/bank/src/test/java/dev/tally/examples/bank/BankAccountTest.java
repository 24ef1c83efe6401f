package dev.tally.examples.bank;

import static dev.tally.examples.bank.BankAccount.CREDITED;
import static dev.tally.examples.bank.BankAccount.DEBITED;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.EventStore;
import dev.tally.core.command.PendingEvent;
import dev.tally.core.memory.InMemoryLedger;
import dev.tally.testing.AggregateFixture;
import dev.tally.testing.MutableClock;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class BankAccountTest {

    @Test
    void aDebitWithinTheBalanceIsAccepted() {
        AggregateFixture.of(BankAccount.DEFINITION)
                .given(CREDITED, new Credited(100))
                .when(BankAccount.debit(30))
                .thenEvents(PendingEvent.of(DEBITED, new Debited(30)))
                .thenState(a -> assertThat(a.balance()).isEqualTo(70));
    }

    @Test
    void anOverdraftIsRejectedAndWritesNothing() {
        AggregateFixture.of(BankAccount.DEFINITION)
                .given(CREDITED, new Credited(50))
                .when(BankAccount.debit(51))
                .thenRejected(BankAccount.INSUFFICIENT_FUNDS)
                .thenState(a -> assertThat(a.balance()).isEqualTo(50));
    }

    @Test
    void theTwoPurchasesOfSeed000CannotBothPass() {
        // 50 on the account; purchases of 40 and 25: exactly one may win
        AggregateFixture.of(BankAccount.DEFINITION)
                .given(CREDITED, new Credited(50))
                .given(DEBITED, new Debited(40))
                .when(BankAccount.debit(25))
                .thenRejected(BankAccount.INSUFFICIENT_FUNDS);
    }

    @Test
    void zeroAndNegativeAmountsAreRejected() {
        AggregateFixture.of(BankAccount.DEFINITION).when(BankAccount.credit(0))
                .thenRejected(BankAccount.INVALID_AMOUNT);
        AggregateFixture.of(BankAccount.DEFINITION).given(CREDITED, new Credited(10))
                .when(BankAccount.debit(-5)).thenRejected(BankAccount.INVALID_AMOUNT);
        AggregateFixture.of(BankAccount.DEFINITION).given(CREDITED, new Credited(Long.MAX_VALUE))
                .when(BankAccount.credit(1)).thenRejected(BankAccount.INVALID_AMOUNT);
    }

    @Test
    void lastMonthBalanceIsTheBalanceAtTheEndOfThePreviousMonth() {
        MutableClock clock = new MutableClock(Instant.parse("2026-09-10T10:00:00Z"));
        EventStore<Account> store = EventStore.builder(BankAccount.DEFINITION, new InMemoryLedger()).clock(clock)
                .build();
        store.execute("a", BankAccount.credit(100));
        clock.set(Instant.parse("2026-09-30T23:59:59Z"));
        store.execute("a", BankAccount.debit(20));
        clock.set(Instant.parse("2026-10-01T00:00:00Z"));
        store.execute("a", BankAccount.credit(5));
        Account october = store.load("a").state();
        assertThat(october.balance()).isEqualTo(85);
        assertThat(october.lastMonthBalance()).isEqualTo(80);
        assertThat(october.month()).isEqualTo("2026-10");
        assertThat(october.lastTransaction()).isEqualTo(new LastTransaction("credit", 5, 3, clock.instant()));

        clock.set(Instant.parse("2027-01-15T00:00:00Z")); // months without events keep the balance
        store.execute("a", BankAccount.debit(1));
        assertThat(store.load("a").state().lastMonthBalance()).isEqualTo(85);
    }
}
