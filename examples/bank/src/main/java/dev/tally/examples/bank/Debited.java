package dev.tally.examples.bank;

/** Money went out; {@code amount} in minor units (cents), always positive. */
public record Debited(long amount) {
}
