package dev.tally.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.archive.ArchiveReadingLedger;
import dev.tally.core.spi.ArchiveStore;
import dev.tally.core.message.StateCarryingMessage;
import dev.tally.core.projection.Projection;
import dev.tally.core.projection.ProjectionWriter;
import dev.tally.core.projection.SqlTable;
import dev.tally.core.internal.Chaos;
import dev.tally.core.runtime.Pipeline;
import dev.tally.core.runtime.TargetStats;
import dev.tally.core.spi.TimerStore;
import dev.tally.http.IdempotencyStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What {@link TallyServer} needs from the engine it runs on, beside the {@link Pipeline} itself:
 * where views, timers and the answers under Idempotency-Keys are kept, the engine's own status for
 * {@code /api/pipeline}, and its chaos switch. The local stack supplies one ({@link LocalEngine});
 * the in-memory and PostgreSQL pipelines supply theirs.
 */
public interface ServeEngine extends AutoCloseable {

    /** How to start an engine: its data directory (null: in memory), chaos, the server's archive. */
    record Start(Path dataDir, Chaos chaos, ArchiveStore archive, Consumer<String> progress) {
    }

    /** Starts an engine for a server. */
    @FunctionalInterface
    interface Factory {
        ServeEngine start(Start start);
    }

    /** The pipeline the server's stores, projections and sagas run on. */
    Pipeline pipeline();

    /** Where the views of a projection of an app are written and read (created when missing). */
    <V> ProjectionWriter<V> views(String app, Projection<?, V> projection);

    /**
     * Where the views of a projection that its app wants in a SQL table are written and read: the
     * table itself on an engine with SQL; elsewhere (the default) the views as any other projection's.
     */
    default <V> ProjectionWriter<V> views(String app, Projection<?, V> projection, SqlTable<V> table) {
        return views(app, projection);
    }

    /** Where sagas' timers are kept. */
    TimerStore timers();

    /** Where the answers under Idempotency-Keys are kept (they survive a restart when the engine does). */
    IdempotencyStore idempotency();

    /** The ledger the stores read archived history through, when the engine archives. */
    Optional<ArchiveReadingLedger> archiveLedger();

    /** Delivers state-carrying messages to one target only (a rebuild through the server). */
    void sendTo(String target, List<StateCarryingMessage> messages);

    /** Waits until what was written has reached the read models; false when the timeout passed first. */
    boolean awaitQuiet(Duration timeout);

    /** The engine's own counters for {@code /api/pipeline}. */
    Status status();

    Chaos chaos();

    void chaos(Chaos chaos);

    /** Stops the pipeline and what the engine started for it. */
    @Override
    void close();

    /**
     * The engine's counters: {@code counters} are the engine-specific fields of {@code /api/pipeline}
     * (for the local stack its stream, dispatches and deliveries), {@code targets} each consumer's
     * deliveries, {@code deadLetters} the total.
     */
    record Status(ObjectNode counters, List<TargetStats> targets, long deadLetters) {
    }
}
