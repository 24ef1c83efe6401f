package dev.tally.examples.bank;

import java.time.Instant;

/** The account's holder was set; {@code name} and {@code email} are personal data (sealed in the ledger). */
public record HolderChanged(String name, String email) implements AccountEvent {
    @Override
    public Account applyTo(Account account, long version, Instant at) {
        return account.withHolder(new Holder(name, email));
    }
}
