package dev.tally.cli;

import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.ops.Rebuild;
import dev.tally.core.runtime.ConvergenceCheck;
import dev.tally.core.snapshot.SnapshotVerifier;
import java.util.List;

/**
 * What the operations commands (rebuild, replay, verify, verify-snapshots, archive, forget) need from where the
 * data is: a running server ({@link RemoteOps}, over its API) or the backend itself ({@link DirectOps}:
 * DynamoDB, with the apps' definitions loaded in this process). Each command walks the ids itself,
 * so paging, rate, progress and resuming are the same either way.
 */
interface OpsBackend extends AutoCloseable {

    /** The store a projection reads; a clear error naming the projections there are when unknown. */
    String storeOf(String projection);

    Page<String> ids(String store, PageRequest request);

    /** Sends the head message of each aggregate to that projection only. */
    Rebuild.Sent resend(String projection, List<String> aggregateIds);

    /** Appends the replay event; the new version, or 0 when the aggregate has no events. */
    long replay(String store, String aggregateId);

    /**
     * Forgets the personal data of an aggregate (destroys its subjects' data keys, appends the audit
     * event); the audit event's version.
     */
    long forget(String store, String aggregateId);

    /**
     * Compares every view with the head of its aggregate in the ledger; with {@code repair}, sends each
     * stale aggregate's current state to the projection behind, once.
     */
    ConvergenceCheck.Report verify(boolean repair);

    List<SnapshotVerifier.Result> verifySnapshots(String store, List<String> aggregateIds);

    /** Archives the aggregates idle for {@code idleDays} among the ids; what each one did. */
    List<ArchiveOutcome> archive(String store, List<String> aggregateIds, int idleDays);

    /** What archiving one aggregate did: {@code archivedThrough} 0 when it was left alone (and why). */
    record ArchiveOutcome(String aggregateId, long archivedThrough, String note) {
    }

    /** For messages: "http://127.0.0.1:8080" or "dynamodb:tally-ledger at http://...". */
    String describe();

    @Override
    void close();
}
