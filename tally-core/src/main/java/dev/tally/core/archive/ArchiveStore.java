package dev.tally.core.archive;

import dev.tally.core.RecordedEvent;
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

    /** For messages and the marker: "dir:/path" or "s3://bucket/prefix". */
    String describe();
}
