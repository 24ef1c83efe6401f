package dev.tally.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tally.core.spi.Checkpoint;
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

    /**
     * Whether the store keeps stream sequence numbers (decimal strings longer than a {@code long},
     * leading zeros included) verbatim. A store of global-log positions only (PostgreSQL's
     * {@code bigint} column) must refuse them instead, before writing anything.
     */
    protected boolean keepsSequenceNumbers() {
        return true;
    }

    /** A subscription name no other test uses (the storage is shared). */
    protected static String uniqueName(String hint) {
        return hint + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void anUnknownNameLoadsTheStart() {
        String name = uniqueName("never-saved");
        Checkpoint loaded = openStore().load(name);
        assertEquals(Checkpoint.start(name), loaded);
        assertTrue(loaded.isStart());
        assertEquals(0, loaded.position().asLong());
    }

    @Test
    void aSavedPositionLoadsBack() {
        CheckpointStore store = openStore();
        String name = uniqueName("feed");
        store.save(Checkpoint.at(name, 42));
        assertEquals(Checkpoint.at(name, 42), store.load(name));
        long large = (1L << 52) + 7; // positions are large on PostgreSQL (transaction id x 2^20)
        store.save(Checkpoint.at(name, large));
        assertEquals(large, store.load(name).position().asLong());
        store.save(Checkpoint.at(name, Long.MAX_VALUE));
        assertEquals(Long.MAX_VALUE, store.load(name).position().asLong());
    }

    @Test
    void aSaveOverwritesThePreviousPosition() {
        CheckpointStore store = openStore();
        String name = uniqueName("feed");
        store.save(Checkpoint.at(name, 10));
        store.save(Checkpoint.at(name, 20));
        assertEquals(20, store.load(name).position().asLong());
        store.save(Checkpoint.at(name, 5));
        assertEquals(5, store.load(name).position().asLong(), "the store keeps what was saved last, even a lower position");
    }

    @Test
    void namesAreIndependent() {
        CheckpointStore store = openStore();
        String a = uniqueName("a");
        String b = uniqueName("b");
        store.save(Checkpoint.at(a, 100));
        assertTrue(store.load(b).isStart());
        store.save(Checkpoint.at(b, 7));
        assertEquals(100, store.load(a).position().asLong());
        assertEquals(7, store.load(b).position().asLong());
        store.save(Checkpoint.at(a, 101));
        assertEquals(7, store.load(b).position().asLong());
    }

    @Test
    void aPositionSurvivesANewStoreOnTheSameStorage() {
        String name = uniqueName("restart");
        openStore().save(Checkpoint.at(name, 12345));
        CheckpointStore reopened = openStore();
        assertEquals(Checkpoint.at(name, 12345), reopened.load(name),
                "what a previous run saved is what a restart resumes from");
        reopened.save(Checkpoint.at(name, 12346));
        assertEquals(12346, openStore().load(name).position().asLong());
    }

    @Test
    void aStreamSequenceNumberLoadsBackVerbatimOrIsRefusedBeforeAnythingIsWritten() {
        CheckpointStore store = openStore();
        String shard = uniqueName("shardId-00001");
        // a DynamoDB Streams sequence number: longer than a long, leading zeros significant to the stream
        String sequence = "000049607362094826839117628016390125213880547225829378";
        if (keepsSequenceNumbers()) {
            store.save(Checkpoint.at(shard, sequence));
            Checkpoint loaded = openStore().load(shard);
            assertEquals(sequence, loaded.position().value(), "the stream expects its sequence number back exactly");
            assertEquals(Checkpoint.at(shard, sequence), loaded);
        } else {
            store.save(Checkpoint.at(shard, 9));
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> store.save(Checkpoint.at(shard, sequence)));
            assertTrue(refused.getMessage().contains(sequence), refused.getMessage());
            assertEquals(9, openStore().load(shard).position().asLong(), "the refused save wrote nothing");
        }
    }

    @Test
    void aPrefixedViewKeepsItsCheckpointsApartOnTheSameStorage() {
        CheckpointStore store = openStore();
        String name = uniqueName("shard");
        CheckpointStore streams = store.prefixed("stream:");
        streams.save(Checkpoint.at(name, 31));
        assertEquals(Checkpoint.at(name, 31), streams.load(name), "the view gives back the id it was given");
        assertEquals(31, openStore().load("stream:" + name).position().asLong());
        assertTrue(store.load(name).isStart(), "the unprefixed name is another consumer");
    }
}
