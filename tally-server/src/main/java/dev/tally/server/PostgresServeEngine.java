package dev.tally.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.AggregateDefinition;
import dev.tally.core.EventStore;
import dev.tally.core.archive.ArchiveReadingLedger;
import dev.tally.core.internal.Chaos;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.message.StateCarryingMessage;
import dev.tally.core.privacy.LocalMasterKey;
import dev.tally.core.privacy.PersonalData;
import dev.tally.core.privacy.SubjectKeys;
import dev.tally.core.projection.Projection;
import dev.tally.core.projection.ProjectionWriter;
import dev.tally.core.projection.SqlTable;
import dev.tally.core.runtime.ConvergenceCheck;
import dev.tally.core.runtime.DeadLetters;
import dev.tally.core.runtime.Pipeline;
import dev.tally.core.runtime.TargetStats;
import dev.tally.core.runtime.Target;
import dev.tally.core.spi.ArchiveStore;
import dev.tally.postgres.JdbcProjectionWriter;
import dev.tally.postgres.PostgresIdempotencyKeys;
import dev.tally.postgres.PostgresPipeline;
import dev.tally.postgres.PostgresProjectionRunner;
import dev.tally.postgres.PostgresProjectionWriter;
import dev.tally.postgres.PostgresTimerStore;
import dev.tally.postgres.PostgresWrappedKeyStore;
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
 * in one transaction, into the JSON views table ({@code tally_views}) or the SQL table the app
 * declares ({@link PostgresSqlTables}). Archived history is read from the server's archive; chaos
 * acts on the view writes and saga deliveries ({@link PostgresChaos}).
 */
public final class PostgresServeEngine extends PipelineEngine<PostgresPipeline> {
    /** Aggregates each store keeps in memory (an event store's default is 1,000). */
    static final int AGGREGATE_CACHE = 20_000;
    private final PostgresEngine database;
    private final ArchiveStore archive;
    private final PostgresChaos chaos;
    private final Pipeline chaotic;
    private final List<String> projections = new CopyOnWriteArrayList<>();
    private final List<String> subscribed = new CopyOnWriteArrayList<>();
    /** The ledger the stores read archived history through (the one the archiver must take). */
    private volatile ArchiveReadingLedger archiveLedger;

    private PostgresServeEngine(PostgresEngine database, PostgresPipeline pipeline, ArchiveStore archive,
                                Chaos chaos) {
        super(new Parts<>(pipeline, () -> new PostgresTimerStore(database.dataSource(), database.tables()),
                new PostgresIdempotencyStore(new PostgresIdempotencyKeys(database.dataSource(), database.tables())),
                Optional.empty(), List.of(database)), chaos);
        this.database = database;
        this.archive = archive;
        this.chaos = new PostgresChaos(chaos);
        this.chaotic = new ChaoticTargets();
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
        PostgresEngine database = jdbcUrl != null ? PostgresEngine.external(jdbcUrl, schema, env)
                : PostgresEngine.embedded(start.dataDir(), start.progress());
        return startedOr(List.of(database), () -> {
            start.progress().accept("PostgreSQL ready: " + database.describe());
            LocalMasterKey master = LocalMasterKey.fromEnvironment().orElseGet(() -> start.dataDir() == null
                    ? LocalMasterKey.generate() : LocalMasterKey.fromFile(start.dataDir().resolve(ServerKeys.MASTER_KEY_FILE)));
            PersonalData personalData = new PersonalData(SubjectKeys.builder(master,
                    PostgresWrappedKeyStore.createIfMissing(database.dataSource(), database.tables())).build());
            // a server's commands range over many aggregates: one in the cache decides without a read
            PostgresPipeline pipeline = PostgresPipeline.builder(database.dataSource()).tables(database.tables())
                    .personalData(personalData).archive(start.archive()).aggregateCache(AGGREGATE_CACHE).build();
            return new PostgresServeEngine(database, pipeline, start.archive(), start.chaos());
        });
    }

    /** The pipeline, its targets (the sagas) delivered to through the chaos switch. */
    @Override
    public Pipeline pipeline() {
        return chaotic;
    }

    /** The database (for tests and tools). */
    public PostgresEngine database() {
        return database;
    }

    @Override
    public Optional<ArchiveReadingLedger> archiveLedger() {
        return Optional.ofNullable(archiveLedger);
    }

    @Override
    public <V> ProjectionWriter<V> views(String app, Projection<?, V> projection) {
        return hosted(projection, new PostgresProjectionWriter<>(database.dataSource(), database.tables(),
                projection.name(), projection.viewType()));
    }

    @Override
    public <V> ProjectionWriter<V> views(String app, Projection<?, V> projection, SqlTable<V> table) {
        return hosted(projection, PostgresSqlTables.writer(database.dataSource(), app, projection.viewType(), table));
    }

    private <V> ProjectionWriter<V> hosted(Projection<?, V> projection, JdbcProjectionWriter<V> writer) {
        projections.add(projection.name());
        return chaos.around(writer);
    }

    @Override
    public void sendTo(String target, List<StateCarryingMessage> messages) {
        PostgresProjectionRunner runner = pipeline.runner(target).orElseThrow(() -> new IllegalArgumentException(
                "no projection '" + target + "' runs on this server"));
        messages.forEach(runner::apply);
    }

    @Override
    public Status status() {
        ObjectNode body = JsonCodec.object();
        body.put("engine", "postgres");
        body.put("database", database.describe());
        body.put("archive", archive.describe());
        body.set("chaosEffects", chaos.effects());
        ObjectNode runners = body.putObject("projections");
        List<TargetStats> targets = new ArrayList<>();
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
        }
        ObjectNode feeds = body.putObject("subscriptions"); // the sagas: at least once, dead letters by target
        for (String name : subscribed) {
            pipeline.subscription(name).ifPresent(feed -> {
                feeds.putObject(name).put("position", feed.position()).put("handled", feed.handledCount());
                targets.add(new TargetStats(name, feed.handledCount(), 0, 0, 0));
            });
        }
        return new Status(body, targets, pipeline.deadLetters().count()); // every consumer's, sagas' included
    }

    @Override
    protected void applyChaos(Chaos chaos) {
        this.chaos.set(chaos);
    }

    /** The PostgreSQL pipeline whose subscribed targets go through the chaos switch. */
    private final class ChaoticTargets implements Pipeline {
        @Override
        public <S> EventStore<S> store(AggregateDefinition<S> definition) {
            EventStore<S> store = pipeline.store(definition);
            if (store.ledger() instanceof ArchiveReadingLedger reading) {
                archiveLedger = reading;
            }
            return store;
        }

        @Override
        public <S, V> void project(Projection<S, V> projection, ProjectionWriter<V> writer) {
            pipeline.project(projection, writer);
        }

        @Override
        public void subscribe(Target target) {
            pipeline.subscribe(chaos.around(target));
            subscribed.add(target.name());
        }

        @Override
        public Pipeline start() {
            pipeline.start();
            return this;
        }

        @Override
        public DeadLetters deadLetters() {
            return pipeline.deadLetters();
        }

        @Override
        public ConvergenceCheck.Report verify(boolean repair) {
            return pipeline.verify(repair);
        }

        @Override
        public void close() {
            pipeline.close();
        }
    }
}
