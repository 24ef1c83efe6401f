package dev.tally.core.runtime;

import dev.tally.core.RetryPolicy;
import dev.tally.core.privacy.PersonalData;
import dev.tally.core.snapshot.SnapshotPolicy;
import java.time.Clock;
import java.util.Objects;

/**
 * The options every pipeline takes, written once: the builders of the in-memory, local and
 * PostgreSQL pipelines extend it and add their engine's own.
 *
 * @param <B> the engine's builder, returned by every option for chaining
 */
public abstract class PipelineOptions<B extends PipelineOptions<B>> {
    /** The values the stores are built with. */
    public record Settings(SnapshotPolicy snapshotPolicy, RetryPolicy commandRetry, Clock clock,
                           PersonalData personalData, int aggregateCache) {
    }

    private SnapshotPolicy snapshotPolicy;
    private RetryPolicy commandRetry = RetryPolicy.DEFAULT;
    private Clock clock = Clock.systemUTC();
    private PersonalData personalData;
    private int aggregateCache = 1000;

    protected PipelineOptions(SnapshotPolicy defaultSnapshots) {
        this.snapshotPolicy = Objects.requireNonNull(defaultSnapshots, "defaultSnapshots");
    }

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }

    /** When the stores take snapshots. */
    public B snapshotPolicy(SnapshotPolicy policy) {
        this.snapshotPolicy = Objects.requireNonNull(policy, "policy");
        return self();
    }

    /** How commands retry on a version conflict. */
    public B commandRetry(RetryPolicy policy) {
        this.commandRetry = Objects.requireNonNull(policy, "policy");
        return self();
    }

    /** The clock that stamps events, snapshots and dead letters. */
    public B clock(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        return self();
    }

    /** The keys that seal the personal fields of the stores' events (see docs/privacy.md). */
    public B personalData(PersonalData personalData) {
        this.personalData = personalData;
        return self();
    }

    /**
     * How many recently used aggregates each store keeps in memory (default 1000, as an event
     * store's): a command on one of them decides without reading the ledger (see EventStoreBuilder.cache).
     */
    public B aggregateCache(int aggregates) {
        if (aggregates < 0) {
            throw new IllegalArgumentException("aggregateCache must be >= 0, got " + aggregates);
        }
        this.aggregateCache = aggregates;
        return self();
    }

    public Settings settings() {
        return new Settings(snapshotPolicy, commandRetry, clock, personalData, aggregateCache);
    }
}
