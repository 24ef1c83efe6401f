package dev.tally.core.command;

import dev.tally.core.TallyException;

/** A command lost the race on every attempt of its retry policy; nothing of it was written. */
public final class RetriesExhausted extends TallyException {
    public RetriesExhausted(String store, String aggregateId, int attempts, Throwable last) {
        super("command on " + store + "/" + aggregateId + " gave up after " + attempts + " attempts: other writers"
                + " kept appending first. Nothing was written. Raise RetryPolicy.maxAttempts, or spread the load"
                + " over more aggregates", last);
    }
}
