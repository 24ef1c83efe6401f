package dev.tally.core.snapshot;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.Aggregate;
import dev.tally.core.EventStore;
import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.ReadOptions;
import dev.tally.core.spi.SnapshotStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Checks snapshots against the truth: folds the aggregate's events from version 1 up to the
 * snapshot's version and compares the states as JSON. A mismatch means a corrupted snapshot or a
 * reducer that changed without a new reducer version.
 */
public final class SnapshotVerifier {

    /** The verdict on one aggregate's newest snapshot. */
    public record Result(String store, String aggregateId, long version, boolean ok, String message) {
    }

    /** The verdicts on a whole store. */
    public record Report(int checked, int withoutSnapshot, List<Result> mismatches) {
        public boolean ok() {
            return mismatches.isEmpty();
        }
    }

    /** Progress of a long verification: aggregates seen so far. */
    public record Progress(int seen, int mismatches) {
    }

    public <S> Result verify(EventStore<S> store, String aggregateId) {
        SnapshotStore snapshots = store.snapshotStore().orElseThrow(() -> new IllegalStateException(
                "event store '" + store.name() + "' has no snapshot store to verify"));
        Optional<Snapshot> latest = snapshots.latest(store.name(), aggregateId, store.definition().reducerVersion());
        if (latest.isEmpty()) {
            return new Result(store.name(), aggregateId, 0, true, "no snapshot");
        }
        Snapshot s = latest.get();
        Aggregate<S> truth = store.fold(new Aggregate<>(aggregateId, 0, store.definition().initialState()),
                store.read(aggregateId, ReadOptions.range(1, s.version())));
        if (truth.version() != s.version()) {
            return new Result(store.name(), aggregateId, s.version(), false, store.name() + "/" + aggregateId
                    + ": snapshot at v" + s.version() + " but the ledger ends at v" + truth.version());
        }
        JsonNode expected = store.stateToJson(truth.state());
        if (expected.equals(s.state())) {
            return new Result(store.name(), aggregateId, s.version(), true, "ok");
        }
        return new Result(store.name(), aggregateId, s.version(), false, store.name() + "/" + aggregateId
                + ": snapshot at v" + s.version() + " holds " + s.state() + " but folding the ledger gives " + expected
                + ". Delete the snapshot (it will be retaken) and bump the reducer version if the reducer changed");
    }

    /** Verifies the newest snapshot of every aggregate of a store. */
    public <S> Report verifyAll(EventStore<S> store, Consumer<Progress> progress) {
        List<Result> mismatches = new ArrayList<>();
        int checked = 0;
        int without = 0;
        int seen = 0;
        PageRequest request = PageRequest.first(100);
        while (true) {
            Page<String> page = store.listAggregateIds(request);
            for (String id : page.items()) {
                Result r = verify(store, id);
                seen++;
                if (r.version() == 0) {
                    without++;
                } else {
                    checked++;
                    if (!r.ok()) {
                        mismatches.add(r);
                    }
                }
            }
            progress.accept(new Progress(seen, mismatches.size()));
            if (page.isLast()) {
                return new Report(checked, without, mismatches);
            }
            request = request.next(page.nextCursor());
        }
    }
}
