package dev.tally.core.spi;

import dev.tally.core.RecordedEvent;
import dev.tally.core.archive.ArchiveReadingLedger;
import dev.tally.core.archive.DirectoryArchiveStore;
import java.util.List;

/**
 * Where archived history lives: one object per aggregate stream holding versions 1..H, replaced
 * whole when a stream is archived again. A local directory for the local stack
 * ({@link DirectoryArchiveStore}), S3 on AWS ({@code S3ArchiveStore} in tally-aws).
 */
public interface ArchiveStore {

    /** Stores a stream's events 1..H (contiguous, oldest first), durably, replacing an older object. */
    void put(String store, String aggregateId, List<RecordedEvent> events);

    /** The archived events of a stream, oldest first; empty when it has none. */
    List<RecordedEvent> get(String store, String aggregateId);

    /**
     * False only when this store certainly holds nothing of the stream, so none of its versions can
     * have been deleted from the ledger (the object is written before the marker and the delete).
     * {@link ArchiveReadingLedger} then skips the ledger read that guards a first append. The default
     * says "maybe" (a remote store's lookup costs what the ledger read costs).
     */
    default boolean mayHold(String store, String aggregateId) {
        return true;
    }

    /** For messages and the marker: "dir:/path" or "s3://bucket/prefix". */
    String describe();
}
