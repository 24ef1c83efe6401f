package dev.tally.examples.bank;

import java.time.Instant;

/** The latest credit or debit of an account. */
public record LastTransaction(String type, long amount, long version, Instant timestamp) {
}
