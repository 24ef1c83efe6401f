package dev.tally.examples.bank;

/** The balance projection's view. */
public record BalanceView(long balance) {
}
