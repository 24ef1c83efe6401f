package dev.tally.examples.bank;

import dev.tally.core.command.Decision;

/** Debit {@code amount} minor units (cents), unless that would overdraw the account. */
public record Debit(long amount) implements AccountCommand {
    @Override
    public Decision<AccountEvent> decide(Account account) {
        if (amount <= 0) {
            return Decision.reject(INVALID_AMOUNT, "a debit must be a positive amount of minor units, got " + amount);
        }
        if (amount > account.balance()) {
            return Decision.reject(INSUFFICIENT_FUNDS, "cannot debit " + amount + ": the balance is "
                    + account.balance());
        }
        return Decision.emit(new Debited(amount));
    }
}
