package dev.tally.core;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.archive.ArchiveReadingLedger;
import dev.tally.core.internal.AggregateCache;
import dev.tally.core.internal.Names;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.spi.LedgerAdapter;
import dev.tally.core.ledger.LedgerUnavailable;
import dev.tally.core.snapshot.Snapshot;
import dev.tally.core.snapshot.SnapshotPolicy;
import dev.tally.core.spi.SnapshotStore;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The snapshotting loader of one store: an aggregate as of a version, from the cache or the newest
 * usable snapshot plus the events after it, folded; and the snapshots its policy asks for, taken
 * as aggregates are loaded or changed. A snapshot is only an optimisation: one that no longer
 * reads is ignored, one that cannot be saved is logged, never failed on.
 */
final class AggregateLoader<S> {
    private static final Logger LOG = LoggerFactory.getLogger(AggregateLoader.class);

    /** A loaded aggregate and the version of its newest known snapshot (0: none). */
    record Loaded<S>(Aggregate<S> aggregate, long snapshotVersion) {
    }

    private final AggregateDefinition<S> definition;
    private final LedgerAdapter ledger;
    /**
     * Where the newest events are read first: the ledger itself, under an archive. An archived
     * stream keeps only its marker and what followed, with a snapshot at the marker; the archive would
     * fill a short tail in down to v1 (reading the whole archive object) before the snapshot is seen.
     */
    private final LedgerAdapter tailLedger;
    private final SnapshotStore snapshots;
    private final SnapshotPolicy snapshotPolicy;
    private final AggregateCache cache;
    private final Clock clock;

    AggregateLoader(AggregateDefinition<S> definition, LedgerAdapter ledger, SnapshotStore snapshots,
                    SnapshotPolicy snapshotPolicy, AggregateCache cache, Clock clock) {
        this.definition = definition;
        this.ledger = ledger;
        this.tailLedger = ledger instanceof ArchiveReadingLedger archived ? archived.ledger() : ledger;
        this.snapshots = snapshots;
        this.snapshotPolicy = snapshots == null ? SnapshotPolicy.never() : snapshotPolicy;
        this.cache = cache;
        this.clock = clock;
    }

    private String name() {
        return definition.name();
    }

    /** The cached aggregate, if the cache is on and holds it. */
    AggregateCache.Entry<S> cached(String aggregateId) {
        return cache == null ? null : cache.get(name(), aggregateId);
    }

    /** The latest aggregate, snapshotting it when the policy says so. */
    Loaded<S> loadTracked(String aggregateId) {
        Loaded<S> loaded = loadFrom(aggregateId, Long.MAX_VALUE);
        maybeSnapshot(loaded.snapshotVersion(), loaded.aggregate());
        return loaded;
    }

    /** The aggregate as of {@code maxVersion} (the head when it is beyond it). */
    Loaded<S> loadFrom(String aggregateId, long maxVersion) {
        Names.requireAggregateId(aggregateId);
        Aggregate<S> base = new Aggregate<>(aggregateId, 0, definition.initialState());
        long snapshotVersion = 0;
        AggregateCache.Entry<S> cached = cached(aggregateId);
        List<RecordedEvent> tail = List.of();
        if (cached != null && cached.aggregate().version() <= maxVersion) {
            // exact as of its version, forever (the ledger is append-only): fold only what came after
            base = cached.aggregate();
            snapshotVersion = cached.snapshotVersion();
        } else if (snapshots != null && maxVersion > 0) {
            // the newest events first: a short stream is then read whole in one request, without
            // looking for a snapshot it would not use (most aggregates a busy process misses are new)
            ReadOptions newest = new ReadOptions(1, maxVersion, true, TAIL);
            tail = read(tailLedger, aggregateId, newest, 0);
            if (tail.isEmpty() && tailLedger != ledger && maxVersion != Long.MAX_VALUE) {
                // nothing up to maxVersion in the ledger itself: archived below its marker, or no stream
                tail = read(aggregateId, newest, 0);
            }
            if (wholeStream(tail)) {
                return loaded(base, reversed(tail, 0), 0);
            }
            Optional<Snapshot> latest;
            try {
                latest = snapshots.latest(name(), aggregateId, definition.reducerVersion(), maxVersion);
            } catch (TallyException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new LedgerUnavailable(name(), aggregateId, "the latest snapshot", e);
            }
            Optional<Aggregate<S>> fromSnapshot = latest.flatMap(this::restore);
            if (fromSnapshot.isPresent()) {
                base = fromSnapshot.get();
                snapshotVersion = base.version();
            }
        }
        long from = base.version() + 1;
        List<RecordedEvent> events;
        if (!tail.isEmpty() && tail.get(tail.size() - 1).version() <= from) {
            events = reversed(tail, base.version()); // the tail read covers everything after the base
        } else {
            long to = tail.isEmpty() ? maxVersion : tail.get(tail.size() - 1).version() - 1;
            events = base.version() >= maxVersion ? List.of() : read(aggregateId, new ReadOptions(from, to, false,
                    Integer.MAX_VALUE), base.version());
            if (!tail.isEmpty()) {
                events = new ArrayList<>(events);
                events.addAll(reversed(tail, base.version()));
            }
        }
        return loaded(base, events, snapshotVersion);
    }

    /** How many of the newest events a load without a cached aggregate reads before it looks for a snapshot. */
    static final int TAIL = 100;

    /**
     * Whether a newest-first read holds the whole stream (down to version 1) and is short enough that
     * the policy would not snapshot it from scratch: a snapshot could not shorten the fold, and none is
     * missed that the policy would then write again.
     */
    private boolean wholeStream(List<RecordedEvent> newestFirst) {
        if (newestFirst.isEmpty()) {
            return true;
        }
        return newestFirst.get(newestFirst.size() - 1).version() == 1
                && !snapshotPolicy.shouldSnapshot(0, newestFirst.get(0).version());
    }

    private Loaded<S> loaded(Aggregate<S> base, List<RecordedEvent> events, long snapshotVersion) {
        Aggregate<S> loaded = fold(base, events);
        remember(loaded, snapshotVersion);
        return new Loaded<>(loaded, snapshotVersion);
    }

    private List<RecordedEvent> read(String aggregateId, ReadOptions options, long after) {
        return read(ledger, aggregateId, options, after);
    }

    private List<RecordedEvent> read(LedgerAdapter from, String aggregateId, ReadOptions options, long after) {
        try {
            return from.read(name(), aggregateId, options);
        } catch (TallyException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new LedgerUnavailable(name(), aggregateId, "the events after v" + after, e);
        }
    }

    /** The events of a newest-first read that come after {@code version}, oldest first. */
    private static List<RecordedEvent> reversed(List<RecordedEvent> newestFirst, long version) {
        List<RecordedEvent> out = new ArrayList<>(newestFirst.size());
        for (int i = newestFirst.size() - 1; i >= 0; i--) {
            if (newestFirst.get(i).version() > version) {
                out.add(newestFirst.get(i));
            }
        }
        return out;
    }

    /** Folds stored events onto an aggregate; the events must continue its version. */
    Aggregate<S> fold(Aggregate<S> start, List<RecordedEvent> events) {
        S state = start.state();
        long version = start.version();
        for (RecordedEvent e : events) {
            if (!e.store().equals(name()) || !e.aggregateId().equals(start.aggregateId())) {
                throw new IllegalArgumentException("cannot fold " + e.coordinates() + " into " + name() + "/"
                        + start.aggregateId());
            }
            if (e.version() != version + 1) {
                throw new IllegalStateException("stream " + name() + "/" + start.aggregateId() + " is not contiguous:"
                        + " expected version " + (version + 1) + ", read " + e.version()
                        + ". The ledger adapter returned events out of order or with a hole");
            }
            state = definition.evolve(state, definition.decode(e));
            version = e.version();
        }
        return new Aggregate<>(start.aggregateId(), version, state);
    }

    /** After a write: the new aggregate is cached and snapshotted when the policy says so. */
    void changed(Aggregate<S> after, long snapshotVersion) {
        remember(after, snapshotVersion);
        maybeSnapshot(snapshotVersion, after);
    }

    private void remember(Aggregate<S> aggregate, long snapshotVersion) {
        if (cache != null && aggregate.exists()) {
            cache.put(name(), aggregate, snapshotVersion);
        }
    }

    /** Takes a snapshot of the aggregate now, whatever the policy says; empty when it has no events. */
    Optional<Snapshot> takeSnapshot(String aggregateId) {
        if (snapshots == null) {
            throw new IllegalStateException("event store '" + name() + "' has no snapshot store: configure one with"
                    + " EventStore.builder(...).snapshots(store, policy)");
        }
        Aggregate<S> aggregate = loadTracked(aggregateId).aggregate();
        if (!aggregate.exists()) {
            return Optional.empty();
        }
        Snapshot s = snapshotOf(aggregate);
        snapshots.save(s);
        return Optional.of(s);
    }

    Snapshot snapshotOf(Aggregate<S> aggregate) {
        return new Snapshot(name(), aggregate.aggregateId(), aggregate.version(), definition.reducerVersion(),
                stateToJson(aggregate.state()), clock.instant().truncatedTo(ChronoUnit.MILLIS));
    }

    JsonNode stateToJson(S state) {
        return JsonCodec.toTree(state);
    }

    S stateFromJson(JsonNode json) {
        return JsonCodec.fromTree(json, definition.stateType());
    }

    private Optional<Aggregate<S>> restore(Snapshot s) {
        try {
            return Optional.of(new Aggregate<>(s.aggregateId(), s.version(), stateFromJson(s.state())));
        } catch (RuntimeException e) {
            LOG.warn("ignoring snapshot of {}/{} at v{}: its state no longer reads as {} ({}). Bump the reducer"
                            + " version when the state's shape changes", name(), s.aggregateId(), s.version(),
                    definition.stateType().getSimpleName(), e.getMessage());
            return Optional.empty();
        }
    }

    private void maybeSnapshot(long snapshotVersion, Aggregate<S> aggregate) {
        if (snapshots == null || !aggregate.exists()
                || !snapshotPolicy.shouldSnapshot(snapshotVersion, aggregate.version())) {
            return;
        }
        try {
            snapshots.save(snapshotOf(aggregate));
            remember(aggregate, aggregate.version());
        } catch (RuntimeException e) {
            // a snapshot is an optimisation: failing to take one must not fail the command
            LOG.warn("could not save snapshot of {}/{} at v{}: {}", name(), aggregate.aggregateId(),
                    aggregate.version(), e.toString());
        }
    }

    Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
