package dev.tally.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.archive.ArchiveReadingLedger;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.message.StateCarryingMessage;
import dev.tally.core.privacy.LocalMasterKey;
import dev.tally.core.privacy.PersonalData;
import dev.tally.core.privacy.SubjectKeys;
import dev.tally.core.projection.Projection;
import dev.tally.core.projection.ProjectionWriter;
import dev.tally.core.internal.Chaos;
import dev.tally.core.runtime.Pipeline;
import dev.tally.core.runtime.TargetStats;
import dev.tally.core.spi.TimerStore;
import dev.tally.http.IdempotencyStore;
import dev.tally.postgres.PostgresIdempotencyKeys;
import dev.tally.postgres.PostgresPipeline;
import dev.tally.postgres.PostgresProjectionRunner;
import dev.tally.postgres.PostgresProjectionWriter;
import dev.tally.postgres.PostgresTimerStore;
import dev.tally.postgres.PostgresWrappedKeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * {@code tally serve --engine postgres}: the ledger, snapshots, checkpoints, dead letters, saga
 * timers, personal-data keys and Idempotency-Key answers in PostgreSQL ({@link PostgresEngine}:
 * embedded in {@code DIR/postgres}, a throwaway one in memory, or an existing server by JDBC URL).
 * Projections run straight off the ledger's change feed, each view committed with its checkpoint
 * in one transaction, into the JSON views table ({@code tally_views}). Not offered here yet: chaos,
 * and reading archived history.
 */
public final class PostgresServeEngine implements ServeEngine {
    private final PostgresEngine database;
    private final PostgresPipeline pipeline;
    private final PostgresTimerStore timers;
    private final IdempotencyStore idempotency;
    private final List<String> projections = new CopyOnWriteArrayList<>();

    private PostgresServeEngine(PostgresEngine database, PostgresPipeline pipeline) {
        this.database = database;
        this.pipeline = pipeline;
        this.timers = new PostgresTimerStore(database.dataSource(), database.tables());
        this.idempotency = new PostgresIdempotencyStore(new PostgresIdempotencyKeys(database.dataSource(),
                database.tables()));
    }

    /**
     * The factory of {@code --engine postgres}: an existing server when {@code jdbcUrl} is set
     * (user and password from the URL or {@code env}'s PGUSER/PGPASSWORD; Tally's tables in
     * {@code schema}, null for public), else an embedded one in the data directory.
     */
    public static Factory factory(String jdbcUrl, String schema, Map<String, String> env) {
        return start -> start(start, jdbcUrl, schema, env);
    }

    static PostgresServeEngine start(Start start, String jdbcUrl, String schema, Map<String, String> env) {
        if (!Chaos.NONE.equals(start.chaos())) {
            throw new IllegalArgumentException("--chaos is offered on --engine dynamodb-local only: leave it out, or"
                    + " serve on dynamodb-local to try duplicates, reordering and delays");
        }
        PostgresEngine database = jdbcUrl != null ? PostgresEngine.external(jdbcUrl, schema, env)
                : PostgresEngine.embedded(start.dataDir(), start.progress());
        try {
            start.progress().accept("PostgreSQL ready: " + database.describe());
            LocalMasterKey master = LocalMasterKey.fromEnvironment().orElseGet(() -> start.dataDir() == null
                    ? LocalMasterKey.generate() : LocalMasterKey.fromFile(start.dataDir().resolve(ServerKeys.MASTER_KEY_FILE)));
            PersonalData personalData = new PersonalData(SubjectKeys.builder(master,
                    PostgresWrappedKeyStore.createIfMissing(database.dataSource(), database.tables())).build());
            PostgresPipeline pipeline = PostgresPipeline.builder(database.dataSource()).tables(database.tables())
                    .personalData(personalData).build();
            return new PostgresServeEngine(database, pipeline);
        } catch (RuntimeException e) {
            database.close();
            throw e;
        }
    }

    @Override
    public Pipeline pipeline() {
        return pipeline;
    }

    /** The database (for tests and tools). */
    public PostgresEngine database() {
        return database;
    }

    @Override
    public <V> ProjectionWriter<V> views(String app, Projection<?, V> projection) {
        projections.add(projection.name());
        return new PostgresProjectionWriter<>(database.dataSource(), database.tables(), projection.name(),
                projection.viewType());
    }

    @Override
    public TimerStore timers() {
        return timers;
    }

    @Override
    public IdempotencyStore idempotency() {
        return idempotency;
    }

    @Override
    public Optional<ArchiveReadingLedger> archiveLedger() {
        return Optional.empty();
    }

    @Override
    public void sendTo(String target, List<StateCarryingMessage> messages) {
        PostgresProjectionRunner runner = pipeline.runner(target).orElseThrow(() -> new IllegalArgumentException(
                "no projection '" + target + "' runs on this server"));
        messages.forEach(runner::apply);
    }

    @Override
    public boolean awaitQuiet(Duration timeout) {
        return pipeline.awaitQuiet(timeout);
    }

    @Override
    public Status status() {
        ObjectNode body = JsonCodec.object();
        body.put("engine", "postgres");
        body.put("database", database.describe());
        ObjectNode runners = body.putObject("projections");
        List<TargetStats> targets = new ArrayList<>();
        long deadLetters = 0;
        for (String name : projections) {
            Optional<PostgresProjectionRunner> r = pipeline.runner(name);
            if (r.isEmpty()) {
                continue;
            }
            PostgresProjectionRunner runner = r.get();
            runners.putObject(name).put("position", runner.position()).put("handled", runner.handledCount())
                    .put("deadLettered", runner.deadLetteredCount()).put("alive", runner.isAlive());
            targets.add(new TargetStats(name, runner.handledCount(), runner.failedAttempts(),
                    runner.deadLetteredCount(), 0));
            deadLetters += runner.deadLetteredCount();
        }
        return new Status(body, targets, deadLetters);
    }

    @Override
    public Chaos chaos() {
        return Chaos.NONE;
    }

    @Override
    public void chaos(Chaos chaos) {
        if (!Chaos.NONE.equals(chaos)) {
            throw new IllegalArgumentException("chaos is offered on --engine dynamodb-local only");
        }
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
