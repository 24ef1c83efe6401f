package dev.tally.examples.bank;

import java.time.Instant;

/** Money went out; {@code amount} in minor units (cents), always positive. */
public record Debited(long amount) implements AccountEvent {
    @Override
    public Account applyTo(Account account, long version, Instant at) {
        return account.debit(amount, version, at);
    }
}
