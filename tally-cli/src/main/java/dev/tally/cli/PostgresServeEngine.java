package dev.tally.cli;

import dev.tally.core.projection.Projection;
import dev.tally.core.projection.ProjectionWriter;
import dev.tally.core.runtime.Pipeline;
import dev.tally.core.saga.TimerStore;
import dev.tally.postgres.PostgresPipeline;
import dev.tally.postgres.PostgresProjectionWriter;
import dev.tally.postgres.PostgresTimerStore;
import dev.tally.postgres.PostgresWrappedKeyStore;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * {@code --engine postgres}: the ledger, snapshots, checkpoints, dead letters, timers and keys in
 * PostgreSQL ({@link PostgresEngine}: embedded in the data directory, throwaway, or {@code --jdbc-url});
 * projections run straight off the ledger's change feed, each view committed with its checkpoint
 * in one transaction, into the JSON views table ({@code tally_views}, one row per projection and
 * aggregate). Archived history is not read on this engine yet, and chaos is not offered.
 */
final class PostgresServeEngine implements ServeEngine {
    private final PostgresEngine database;
    private final PostgresPipeline pipeline;
    private final PostgresTimerStore timers;

    private PostgresServeEngine(PostgresEngine database, PostgresPipeline pipeline) {
        this.database = database;
        this.pipeline = pipeline;
        this.timers = new PostgresTimerStore(database.dataSource(), database.tables());
    }

    static PostgresServeEngine open(Options o, Consumer<String> progress) {
        PostgresEngine database = o.jdbcUrl() != null ? PostgresEngine.external(o.jdbcUrl(), o.schema(), o.env())
                : PostgresEngine.embedded(o.dataDir(), progress);
        try {
            progress.accept("PostgreSQL ready: " + database.describe());
            PostgresPipeline pipeline = PostgresPipeline.builder(database.dataSource()).tables(database.tables())
                    .personalData(ServeEngine.personalData(o.dataDir(),
                            PostgresWrappedKeyStore.createIfMissing(database.dataSource(), database.tables())))
                    .build();
            return new PostgresServeEngine(database, pipeline);
        } catch (RuntimeException e) {
            database.close();
            throw e;
        }
    }

    @Override
    public Kind kind() {
        return Kind.POSTGRES;
    }

    @Override
    public Pipeline pipeline() {
        return pipeline;
    }

    PostgresEngine database() {
        return database;
    }

    @Override
    public <V> ProjectionWriter<V> views(String app, Projection<?, V> projection) {
        return new PostgresProjectionWriter<>(database.dataSource(), database.tables(), projection.name(),
                projection.viewType());
    }

    @Override
    public TimerStore timers() {
        return timers;
    }

    @Override
    public boolean awaitQuiet(Duration timeout) {
        return pipeline.awaitQuiet(timeout);
    }

    @Override
    public String describe() {
        return database.describe();
    }

    @Override
    public void close() {
        try {
            pipeline.close();
        } finally {
            database.close();
        }
    }
}
