package dev.tally.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tally.core.spi.CheckpointStore;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** What every {@link CheckpointStore} must do: remember each name's position, durably, independently. */
public abstract class CheckpointStoreContract {

    /**
     * A store on this test class's storage. Called more than once: every store it returns must see
     * what the others saved (a new instance on the same table or schema where the backend has one;
     * the same instance for a store that lives only in memory).
     */
    protected abstract CheckpointStore openStore();

    /** A subscription name no other test uses (the storage is shared). */
    protected static String uniqueName(String hint) {
        return hint + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void anUnknownNameLoadsZero() {
        assertEquals(0, openStore().load(uniqueName("never-saved")));
    }

    @Test
    void aSavedPositionLoadsBack() {
        CheckpointStore store = openStore();
        String name = uniqueName("feed");
        store.save(name, 42);
        assertEquals(42, store.load(name));
        long large = (1L << 52) + 7; // positions are large on PostgreSQL (transaction id x 2^20)
        store.save(name, large);
        assertEquals(large, store.load(name));
    }

    @Test
    void aSaveOverwritesThePreviousPosition() {
        CheckpointStore store = openStore();
        String name = uniqueName("feed");
        store.save(name, 10);
        store.save(name, 20);
        assertEquals(20, store.load(name));
        store.save(name, 5);
        assertEquals(5, store.load(name), "the store keeps what was saved last, even a lower position");
    }

    @Test
    void namesAreIndependent() {
        CheckpointStore store = openStore();
        String a = uniqueName("a");
        String b = uniqueName("b");
        store.save(a, 100);
        assertEquals(0, store.load(b));
        store.save(b, 7);
        assertEquals(100, store.load(a));
        assertEquals(7, store.load(b));
        store.save(a, 101);
        assertEquals(7, store.load(b));
    }

    @Test
    void aPositionSurvivesANewStoreOnTheSameStorage() {
        String name = uniqueName("restart");
        openStore().save(name, 12345);
        CheckpointStore reopened = openStore();
        assertEquals(12345, reopened.load(name), "what a previous run saved is what a restart resumes from");
        reopened.save(name, 12346);
        assertEquals(12346, openStore().load(name));
    }
}
