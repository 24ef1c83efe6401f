package dev.tally.examples.bank;

import dev.tally.core.AggregateDefinition;
import dev.tally.core.EventType;
import dev.tally.core.command.Command;
import dev.tally.core.command.Decision;

/**
 * The bank account of seed 000: credit and debit commands, and no overdraft ever. Two debits that
 * race on the same balance cannot both win: each is decided on a version, and the ledger accepts
 * only one event per version; the loser re-decides on the new balance.
 */
public final class BankAccount {
    public static final String STORE = "bank-account";
    public static final EventType<Credited> CREDITED = EventType.of("Credited", Credited.class);
    public static final EventType<Debited> DEBITED = EventType.of("Debited", Debited.class);

    /** Rejection codes. */
    public static final String INSUFFICIENT_FUNDS = "insufficient_funds";
    public static final String INVALID_AMOUNT = "invalid_amount";

    public static final AggregateDefinition<Account> DEFINITION = AggregateDefinition
            .builder(STORE, Account.class)
            .initialState(Account.EMPTY)
            .on(CREDITED, (account, e) -> account.credit(e.payload().amount(), e.version(), e.timestamp()))
            .on(DEBITED, (account, e) -> account.debit(e.payload().amount(), e.version(), e.timestamp()))
            .build();

    private BankAccount() {
    }

    /** Credits {@code amount} minor units. */
    public static Command<Account> credit(long amount) {
        return account -> {
            if (amount <= 0) {
                return Decision.reject(INVALID_AMOUNT, "a credit must be a positive amount of minor units, got " + amount);
            }
            if (account.state().balance() > Long.MAX_VALUE - amount) {
                return Decision.reject(INVALID_AMOUNT, "crediting " + amount + " would overflow the balance");
            }
            return Decision.emit(CREDITED, new Credited(amount));
        };
    }

    /** Debits {@code amount} minor units unless that would overdraw the account. */
    public static Command<Account> debit(long amount) {
        return account -> {
            if (amount <= 0) {
                return Decision.reject(INVALID_AMOUNT, "a debit must be a positive amount of minor units, got " + amount);
            }
            long balance = account.state().balance();
            if (amount > balance) {
                return Decision.reject(INSUFFICIENT_FUNDS, "cannot debit " + amount + " from account "
                        + account.aggregateId() + ": the balance is " + balance);
            }
            return Decision.emit(DEBITED, new Debited(amount));
        };
    }
}
