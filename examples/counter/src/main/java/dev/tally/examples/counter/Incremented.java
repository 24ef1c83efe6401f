package dev.tally.examples.counter;

/** The counter went up by one. A delta, not a new value: two racing increments both count. */
public record Incremented() implements Counter.CounterEvent {
}
