package dev.tally.otel;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * One meter per tag value (a store, a target, a projection), registered on first use and kept,
 * so recording a value looks up a map and adds to a meter: no tag or id is built on the hot path.
 */
final class TaggedMeters<M> {
    private final Map<String, M> meters = new ConcurrentHashMap<>();
    private final Function<String, M> register;

    TaggedMeters(Function<String, M> register) {
        this.register = register;
    }

    M get(String tagValue) {
        M m = meters.get(tagValue);
        return m != null ? m : meters.computeIfAbsent(tagValue, register);
    }
}
