package dev.tally.examples.bank;

/** Money came in; {@code amount} in minor units (cents), always positive. */
public record Credited(long amount) {
}
