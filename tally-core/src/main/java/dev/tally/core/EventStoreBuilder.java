package dev.tally.core;

import dev.tally.core.privacy.PersonalData;
import dev.tally.core.snapshot.SnapshotPolicy;
import dev.tally.core.spi.LedgerAdapter;
import dev.tally.core.spi.SnapshotStore;
import java.time.Clock;
import java.util.Objects;

/** The options of one {@link EventStore}: snapshots, retries, clock, cache, command lock, keys. */
public final class EventStoreBuilder<S> {
    final AggregateDefinition<S> definition;
    final LedgerAdapter ledger;
    SnapshotStore snapshots;
    SnapshotPolicy snapshotPolicy = SnapshotPolicy.never();
    RetryPolicy retryPolicy = RetryPolicy.DEFAULT;
    Clock clock = Clock.systemUTC();
    int cacheSize = 1000;
    boolean localCommandLock = true;
    PersonalData personalData;

    EventStoreBuilder(AggregateDefinition<S> definition, LedgerAdapter ledger) {
        this.definition = Objects.requireNonNull(definition, "definition");
        this.ledger = Objects.requireNonNull(ledger, "ledger");
    }

    public EventStoreBuilder<S> snapshots(SnapshotStore store, SnapshotPolicy policy) {
        this.snapshots = Objects.requireNonNull(store, "store");
        this.snapshotPolicy = Objects.requireNonNull(policy, "policy");
        return this;
    }

    public EventStoreBuilder<S> retryPolicy(RetryPolicy policy) {
        this.retryPolicy = Objects.requireNonNull(policy, "policy");
        return this;
    }

    public EventStoreBuilder<S> clock(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        return this;
    }

    /**
     * Keeps up to {@code aggregates} recently loaded aggregates in memory (default 1000), so a
     * load reads only the events after the cached version; 0 turns the cache off.
     */
    public EventStoreBuilder<S> cache(int aggregates) {
        if (aggregates < 0) {
            throw new IllegalArgumentException("cache size must be >= 0, got " + aggregates);
        }
        this.cacheSize = aggregates;
        return this;
    }

    /**
     * Whether commands on the same aggregate in this process take turns (default true). They
     * would conflict anyway; taking turns spares the wasted writes and the retries. Turn it off
     * to let commands race, e.g. to exercise optimistic concurrency in a test.
     */
    public EventStoreBuilder<S> localCommandLock(boolean on) {
        this.localCommandLock = on;
        return this;
    }

    /** The keys that seal the personal fields the definition declares (needed to append such events). */
    public EventStoreBuilder<S> personalData(PersonalData personalData) {
        this.personalData = personalData;
        return this;
    }

    public EventStore<S> build() {
        return new EventStore<>(this);
    }
}
