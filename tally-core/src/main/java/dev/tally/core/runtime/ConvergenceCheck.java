package dev.tally.core.runtime;

import dev.tally.core.Aggregate;
import dev.tally.core.EventStore;
import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.message.StateCarryingMessage;
import dev.tally.core.projection.Projection;
import dev.tally.core.projection.ProjectionWriter;
import dev.tally.core.projection.Versioned;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The safety net for every backend: walks the aggregate ids of each projected store (a page at a
 * time, never the whole ledger in memory), folds each aggregate to its head, and compares the view
 * the projection asks for with the view stored. A view that is missing or older than its aggregate
 * is stale; with repair on, the aggregate's current state-carrying message is sent to that
 * projection only (one message per stale aggregate and projection), which the projection writes
 * like any other delivery.
 */
public final class ConvergenceCheck {
    /** A projection, where its views are stored, and how to send it one message. */
    public record Bound<S, V>(Projection<S, V> projection, ProjectionWriter<V> writer, Repair repair) {
        public Bound {
            Objects.requireNonNull(projection, "projection");
            Objects.requireNonNull(writer, "writer");
            Objects.requireNonNull(repair, "repair");
        }
    }

    /** Delivers one message to one projection only. */
    @FunctionalInterface
    public interface Repair {
        void send(StateCarryingMessage message);
    }

    /** A view behind its aggregate: {@code viewVersion} 0 when no view is stored. */
    public record Stale(String projection, String aggregateId, long viewVersion, long ledgerVersion) {
    }

    /**
     * What a check found.
     *
     * @param stale    the first {@value #LISTED} stale views (all of them are counted in {@code staleCount})
     * @param repaired messages sent to repair
     */
    public record Report(long aggregates, long views, long staleCount, List<Stale> stale, long repaired,
                         Instant startedAt, Duration took) {
        public static final int LISTED = 1000;

        public boolean converged() {
            return staleCount == 0;
        }
    }

    private final Map<String, EventStore<?>> stores = new TreeMap<>();
    private final List<Bound<?, ?>> projections;
    private final int pageSize;

    public ConvergenceCheck(List<? extends EventStore<?>> stores, List<Bound<?, ?>> projections, int pageSize) {
        stores.forEach(s -> this.stores.put(s.name(), s));
        this.projections = List.copyOf(projections);
        this.pageSize = pageSize;
        for (Bound<?, ?> b : projections) {
            if (!this.stores.containsKey(b.projection().store())) {
                throw new IllegalArgumentException("projection " + b.projection().name() + " reads store '"
                        + b.projection().store() + "', which is not among " + this.stores.keySet());
            }
        }
    }

    /** Runs the check; {@code progress} hears about each page ("bank-account: 500 aggregates checked"). */
    public Report run(boolean repair, Consumer<String> progress) {
        Instant started = Instant.now();
        long[] counts = new long[4]; // aggregates, views, stale, repaired
        List<Stale> listed = new ArrayList<>();
        for (EventStore<?> store : stores.values()) {
            List<Bound<?, ?>> mine = projections.stream().filter(b -> b.projection().store().equals(store.name()))
                    .toList();
            if (!mine.isEmpty()) {
                checkStore(store, mine, repair, counts, listed, progress);
            }
        }
        return new Report(counts[0], counts[1], counts[2], List.copyOf(listed), counts[3], started,
                Duration.between(started, Instant.now()));
    }

    private <S> void checkStore(EventStore<S> store, List<Bound<?, ?>> bound, boolean repair, long[] counts,
                                List<Stale> listed, Consumer<String> progress) {
        PageRequest request = PageRequest.first(pageSize);
        while (true) {
            Page<String> ids = store.listAggregateIds(request);
            for (String id : ids.items()) {
                Aggregate<S> aggregate = store.load(id);
                if (!aggregate.exists()) {
                    continue;
                }
                counts[0]++;
                StateCarryingMessage message = null;
                for (Bound<?, ?> b : bound) {
                    counts[1]++;
                    Optional<Stale> stale = check(b, aggregate);
                    if (stale.isEmpty()) {
                        continue;
                    }
                    counts[2]++;
                    if (listed.size() < Report.LISTED) {
                        listed.add(stale.get());
                    }
                    if (repair) {
                        if (message == null) {
                            message = messageAt(store, aggregate);
                        }
                        b.repair().send(message);
                        counts[3]++;
                    }
                }
            }
            progress.accept(store.name() + ": " + counts[0] + " aggregates checked, " + counts[2] + " stale views"
                    + (repair ? ", " + counts[3] + " repair messages sent" : ""));
            if (ids.isLast()) {
                return;
            }
            request = request.next(ids.nextCursor());
        }
    }

    @SuppressWarnings("unchecked")
    private static <S, V> Optional<Stale> check(Bound<?, ?> raw, Aggregate<?> aggregate) {
        Bound<S, V> b = (Bound<S, V>) raw;
        Optional<Projection.Row<V>> row = b.projection().rowOf((Aggregate<S>) aggregate);
        if (row.isEmpty()) {
            return Optional.empty();
        }
        Optional<Versioned<V>> stored = b.writer().read(row.get().key());
        long viewVersion = stored.map(Versioned::version).orElse(0L);
        if (viewVersion >= row.get().version()) {
            return Optional.empty();
        }
        return Optional.of(new Stale(b.projection().name(), aggregate.aggregateId(), viewVersion,
                aggregate.version()));
    }

    private static <S> StateCarryingMessage messageAt(EventStore<S> store, Aggregate<S> aggregate) {
        List<RecordedEvent> head = store.read(aggregate.aggregateId(),
                ReadOptions.range(aggregate.version(), aggregate.version()));
        if (head.isEmpty()) {
            throw new IllegalStateException(store.name() + "/" + aggregate.aggregateId() + " folded to v"
                    + aggregate.version() + " but the ledger has no event at that version");
        }
        return new StateCarryingMessage(head.get(0), store.stateToJson(aggregate.state()));
    }
}
