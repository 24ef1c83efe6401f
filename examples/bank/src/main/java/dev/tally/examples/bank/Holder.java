package dev.tally.examples.bank;

/**
 * Who holds an account. In the state, the events, the snapshots, the messages and the holder view
 * both fields are sealed strings ({@code tally:pii:1:...}); the query API reveals them.
 */
public record Holder(String name, String email) {
}
