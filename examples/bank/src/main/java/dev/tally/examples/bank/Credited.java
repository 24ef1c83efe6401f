package dev.tally.examples.bank;

import java.time.Instant;

/** Money came in; {@code amount} in minor units (cents), always positive. */
public record Credited(long amount) implements AccountEvent {
    @Override
    public Account applyTo(Account account, long version, Instant at) {
        return account.credit(amount, version, at);
    }
}
