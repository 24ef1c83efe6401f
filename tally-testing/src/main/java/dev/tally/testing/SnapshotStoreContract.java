package dev.tally.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.snapshot.Snapshot;
import dev.tally.core.spi.SnapshotStore;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every {@link SnapshotStore} must do. */
public abstract class SnapshotStoreContract {

    protected abstract SnapshotStore snapshots();

    protected String store;

    @BeforeEach
    void freshStore() {
        store = TestEvents.uniqueStore("snap");
    }

    protected Snapshot snapshot(String id, long version, int reducer) {
        ObjectNode state = JsonCodec.object();
        state.put("balance", version * 10);
        state.putArray("items").add("x").add(version);
        state.putObject("nested").put("ok", true);
        return new Snapshot(store, id, version, reducer, state, Instant.now().truncatedTo(ChronoUnit.MILLIS));
    }

    @Test
    void returnsTheNewestSnapshot() {
        snapshots().save(snapshot("a", 100, 1));
        snapshots().save(snapshot("a", 300, 1));
        snapshots().save(snapshot("a", 200, 1));
        assertEquals(snapshot("a", 300, 1).state(), snapshots().latest(store, "a", 1).orElseThrow().state());
        assertEquals(300, snapshots().latest(store, "a", 1).orElseThrow().version());
    }

    @Test
    void roundTripsEveryField() {
        Snapshot s = snapshot("a", 7, 3);
        snapshots().save(s);
        assertEquals(s, snapshots().latest(store, "a", 3).orElseThrow());
    }

    @Test
    void findsTheNewestAtOrBeforeAVersion() {
        snapshots().save(snapshot("a", 100, 1));
        snapshots().save(snapshot("a", 200, 1));
        assertEquals(100, snapshots().latest(store, "a", 1, 199).orElseThrow().version());
        assertEquals(200, snapshots().latest(store, "a", 1, 200).orElseThrow().version());
        assertTrue(snapshots().latest(store, "a", 1, 99).isEmpty());
    }

    @Test
    void ignoresSnapshotsOfAnotherReducerVersion() {
        snapshots().save(snapshot("a", 500, 1));
        assertTrue(snapshots().latest(store, "a", 2).isEmpty(), "a new reducer must not see old snapshots");
        snapshots().save(snapshot("a", 100, 2));
        assertEquals(100, snapshots().latest(store, "a", 2).orElseThrow().version());
        assertEquals(500, snapshots().latest(store, "a", 1).orElseThrow().version());
    }

    @Test
    void savingTheSameVersionAgainReplacesIt() {
        snapshots().save(snapshot("a", 10, 1));
        ObjectNode other = JsonCodec.object().put("balance", -1);
        snapshots().save(new Snapshot(store, "a", 10, 1, other, Instant.now().truncatedTo(ChronoUnit.MILLIS)));
        assertEquals(JsonCodec.canonical(other), snapshots().latest(store, "a", 1).orElseThrow().state());
    }

    @Test
    void aggregatesAndStoresAreSeparate() {
        snapshots().save(snapshot("a", 10, 1));
        assertTrue(snapshots().latest(store, "b", 1).isEmpty());
        assertTrue(snapshots().latest(TestEvents.uniqueStore("other"), "a", 1).isEmpty());
    }

    @Test
    void deletesEverySnapshotOfOneAggregate() {
        snapshots().save(snapshot("a", 10, 1));
        snapshots().save(snapshot("a", 20, 1));
        snapshots().save(snapshot("a", 20, 2));
        snapshots().save(snapshot("b", 10, 1));
        assertEquals(3, snapshots().deleteAll(store, "a"));
        assertTrue(snapshots().latest(store, "a", 1).isEmpty());
        assertTrue(snapshots().latest(store, "a", 2).isEmpty());
        assertTrue(snapshots().latest(store, "b", 1).isPresent());
    }
}
