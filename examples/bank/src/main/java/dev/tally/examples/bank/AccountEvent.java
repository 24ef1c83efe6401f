package dev.tally.examples.bank;

import java.time.Instant;

/**
 * What happened to an account. Each event says how it changes the account (the compiler makes
 * every event say it), seeing its own version and timestamp.
 */
public sealed interface AccountEvent permits Credited, Debited, HolderChanged {
    Account applyTo(Account account, long version, Instant at);
}
