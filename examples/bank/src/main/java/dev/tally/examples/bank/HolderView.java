package dev.tally.examples.bank;

/** The holder projection's view: the sealed name and email, revealed by the query API. */
public record HolderView(String name, String email) {
}
