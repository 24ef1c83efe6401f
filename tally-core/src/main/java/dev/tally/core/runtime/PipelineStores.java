package dev.tally.core.runtime;

import dev.tally.core.AggregateDefinition;
import dev.tally.core.EventStore;
import dev.tally.core.spi.LedgerAdapter;
import dev.tally.core.spi.SnapshotStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The wiring every pipeline shares: its event stores, built on the ledger and snapshot store the
 * engine supplies with the {@link PipelineOptions} the user chose, and the projections a
 * convergence check compares with them. The engine supplies its ledger, feed, bus and stores; the
 * rest is here, once.
 */
public final class PipelineStores {
    private final LedgerAdapter ledger;
    private final SnapshotStore snapshots;
    private final PipelineOptions<?> options;
    private final List<EventStore<?>> stores = new ArrayList<>();
    private final List<ConvergenceCheck.Bound<?, ?>> projections = new ArrayList<>();
    private boolean sealed;

    public PipelineStores(LedgerAdapter ledger, SnapshotStore snapshots, PipelineOptions<?> options) {
        this.ledger = Objects.requireNonNull(ledger, "ledger");
        this.snapshots = Objects.requireNonNull(snapshots, "snapshots");
        this.options = Objects.requireNonNull(options, "options");
    }

    /** A new event store of {@code definition}; one per aggregate type, before {@link #seal()}. */
    public synchronized <S> EventStore<S> add(AggregateDefinition<S> definition) {
        Objects.requireNonNull(definition, "definition");
        if (sealed) {
            throw new IllegalStateException("add event stores before start(): the dispatcher is built then");
        }
        for (EventStore<?> s : stores) {
            if (s.name().equals(definition.name())) {
                throw new IllegalArgumentException("an event store named '" + definition.name() + "' was added"
                        + " already: call store(definition) once per aggregate type and share the EventStore");
            }
        }
        PipelineOptions.Settings o = options.settings();
        EventStore<S> store = EventStore.builder(definition, ledger).snapshots(snapshots, o.snapshotPolicy())
                .retryPolicy(o.commandRetry()).clock(o.clock()).personalData(o.personalData()).cache(o.aggregateCache())
                .build();
        stores.add(store);
        return store;
    }

    /** No more stores (the pipeline starts and builds its dispatcher on them): the stores. */
    public synchronized List<EventStore<?>> seal() {
        sealed = true;
        return List.copyOf(stores);
    }

    /** The stores, in the order they were added. */
    public synchronized List<EventStore<?>> list() {
        return List.copyOf(stores);
    }

    /** A projection the convergence check compares with its store, and how to repair one view of it. */
    public synchronized void projected(ConvergenceCheck.Bound<?, ?> projection) {
        projections.add(Objects.requireNonNull(projection, "projection"));
    }

    /**
     * Compares every projected view with the head of its aggregate ({@code page} aggregate ids at a
     * time) and, with {@code repair}, sends each stale one its current message.
     */
    public ConvergenceCheck.Report verify(boolean repair, int page, Consumer<String> progress) {
        List<EventStore<?>> s;
        List<ConvergenceCheck.Bound<?, ?>> p;
        synchronized (this) {
            s = List.copyOf(stores);
            p = List.copyOf(projections);
        }
        return new ConvergenceCheck(s, p, page).run(repair, progress);
    }
}
