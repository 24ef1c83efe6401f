package dev.tally.examples.bank;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.testing.AggregateFixture;
import dev.tally.testing.DeciderSpecification;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The bank account's rules, on the decider alone (given events, when a command, then events or a rejection). */
class BankAccountTest {
    private static DeciderSpecification<Account> account() {
        return DeciderSpecification.of(BankAccount.DEFINITION);
    }

    @Test
    void aDebitWithinTheBalanceIsAccepted() {
        account().given(new Credited(100))
                .when(new Debit(30))
                .then(new Debited(30))
                .thenState(a -> assertThat(a.balance()).isEqualTo(70));
    }

    @Test
    void anOverdraftIsRejectedWithTheBalanceInItsMessage() {
        var then = account().given(new Credited(50))
                .when(new Debit(51))
                .thenRejected(AccountCommand.INSUFFICIENT_FUNDS);
        assertThat(then.rejectionMessage()).isEqualTo("cannot debit 51: the balance is 50");
    }

    @Test
    void theTwoPurchasesOfSeed000CannotBothPass() {
        // 50 on the account; purchases of 40 and 25: exactly one may win
        account().given(new Credited(50), new Debited(40))
                .when(new Debit(25))
                .thenRejected(AccountCommand.INSUFFICIENT_FUNDS);
    }

    @Test
    void zeroAndNegativeAmountsAndOverflowsAreRejected() {
        account().when(new Credit(0)).thenRejected(AccountCommand.INVALID_AMOUNT);
        account().given(new Credited(10)).when(new Debit(-5)).thenRejected(AccountCommand.INVALID_AMOUNT);
        account().given(new Credited(Long.MAX_VALUE)).when(new Credit(1)).thenRejected(AccountCommand.INVALID_AMOUNT);
    }

    @Test
    void lastMonthBalanceIsTheBalanceAtTheEndOfThePreviousMonth() {
        // each event at its own time: the month rolls over on the event's timestamp
        account().given(Instant.parse("2026-09-10T10:00:00Z"), new Credited(100))
                .given(Instant.parse("2026-09-30T23:59:59Z"), new Debited(20))
                .given(Instant.parse("2026-10-01T00:00:00Z"), new Credited(5))
                .when(new Debit(1))
                .then(new Debited(1))
                .thenState(october -> {
                    assertThat(october.balance()).isEqualTo(84);
                    assertThat(october.lastMonthBalance()).isEqualTo(80);
                    assertThat(october.month()).isEqualTo("2026-10");
                });
        // months without events keep the balance
        account().given(Instant.parse("2026-10-01T00:00:00Z"), new Credited(85))
                .given(Instant.parse("2027-01-15T00:00:00Z"), new Debited(1))
                .when(new Credit(1))
                .thenState(a -> assertThat(a.lastMonthBalance()).isEqualTo(85));
    }

    @Test
    void theLastTransactionCarriesTheEventsVersionAndTime() {
        Instant at = Instant.parse("2026-11-29T12:00:00Z");
        assertThat(account().given(new Credited(10)).given(at, new Debited(4)).state().lastTransaction())
                .isEqualTo(new LastTransaction("debit", 4, 2, at));
    }

    @Test
    void throughARealEventStoreTheSameRulesHold() {
        // the second tier: encoding, the conditional append, decoding and the fold, on an in-memory ledger
        AggregateFixture.of(BankAccount.DEFINITION)
                .given(new Credited(100))
                .when(new Debit(30))
                .thenEvents(new Debited(30))
                .thenState(a -> assertThat(a.balance()).isEqualTo(70));
        AggregateFixture.of(BankAccount.DEFINITION)
                .given(new Credited(50))
                .when(new Debit(51))
                .thenRejected(AccountCommand.INSUFFICIENT_FUNDS);
    }
}
