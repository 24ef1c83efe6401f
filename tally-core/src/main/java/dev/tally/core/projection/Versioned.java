package dev.tally.core.projection;

/** A stored view and the aggregate version it reflects. */
public record Versioned<V>(String key, long version, V view) {
}
