package dev.tally.examples.bank;

import dev.tally.core.command.Decision;

/** Credit {@code amount} minor units (cents). */
public record Credit(long amount) implements AccountCommand {
    @Override
    public Decision<AccountEvent> decide(Account account) {
        if (amount <= 0) {
            return Decision.reject(INVALID_AMOUNT, "a credit must be a positive amount of minor units, got " + amount);
        }
        if (account.balance() > Long.MAX_VALUE - amount) {
            return Decision.reject(INVALID_AMOUNT, "crediting " + amount + " would overflow the balance");
        }
        return Decision.emit(new Credited(amount));
    }
}
