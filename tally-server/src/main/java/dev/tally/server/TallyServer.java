package dev.tally.server;

import dev.tally.core.AggregateDefinition;
import dev.tally.core.EventStore;
import dev.tally.core.app.AppContext;
import dev.tally.core.app.AppRoute;
import dev.tally.core.app.TallyApp;
import dev.tally.core.projection.Projection;
import dev.tally.core.projection.ProjectionWriter;
import dev.tally.core.projection.SqlTable;
import dev.tally.core.projection.ViewReader;
import dev.tally.core.internal.Chaos;
import dev.tally.core.runtime.ConvergenceCheck;
import dev.tally.core.saga.Saga;
import dev.tally.core.saga.SagaRunner;
import dev.tally.core.saga.TimerPoller;
import dev.tally.core.spi.TimerStore;
import dev.tally.core.runtime.TargetStats;
import dev.tally.http.HostedView;
import dev.tally.http.IdempotencyKeys;
import dev.tally.http.TallyHttp;
import dev.tally.server.console.ConsoleRoutes;
import dev.tally.server.openapi.OpenApiDocument;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The main job: any number of {@link TallyApp}s on one {@link dev.tally.core.runtime.Pipeline},
 * whichever engine supplies it ({@link ServeEngine}: the one-JVM serverless stack by default, see
 * {@link LocalEngine}), behind the HTTP API (the {@link TallyHttp} contract's generic routes for
 * every store and projection plus each app's own, the pipeline's operations) and the dashboard.
 */
public final class TallyServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TallyServer.class);
    public static final String HOST = "127.0.0.1";
    private static final Pattern APP_NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,31}");

    /** How to run it. {@code dataDir} null means in memory; {@code port} 0 means any free port. */
    public record Settings(Path dataDir, String host, int port, String token, Chaos chaos, List<TallyApp> apps,
                           Http http, java.util.Set<String> unreachableStores) {
        public Settings {
            unreachableStores = unreachableStores == null ? java.util.Set.of() : java.util.Set.copyOf(unreachableStores);
        }

        public Settings(Path dataDir, String host, int port, String token, Chaos chaos, List<TallyApp> apps) {
            this(dataDir, host, port, token, chaos, apps, Http.DEFAULTS);
        }

        public Settings(Path dataDir, String host, int port, String token, Chaos chaos, List<TallyApp> apps,
                        Http http) {
            this(dataDir, host, port, token, chaos, apps, http, java.util.Set.of());
        }
    }

    /**
     * The HTTP API's own settings: PEM files for HTTPS (both null for plain HTTP), how many requests
     * run at once and how many may wait for one of them before a 503.
     */
    public record Http(Path tlsCert, Path tlsKey, int workers, int maxQueued) {
        public static final Http DEFAULTS = new Http(null, null, HttpApi.DEFAULT_WORKERS, HttpApi.DEFAULT_MAX_QUEUED);
    }

    /** A projection the server runs, where its views are, and which app it belongs to. */
    public record HostedProjection(String app, Projection<?, ?> projection, ProjectionWriter<?> views) {
    }

    private final Settings settings;
    /** One server per data directory; null in memory. */
    private final DataDirectoryLock lock;
    private final ServeEngine engine;
    private final Map<String, EventStore<?>> stores = new TreeMap<>();
    private final Map<String, HostedProjection> projections = new LinkedHashMap<>();
    private final List<AppRoute> appRoutes = new ArrayList<>();
    private final HttpApi api;
    private final ServeTelemetry telemetry;
    private final Thread startupCheck;
    private final List<SagaRunner<?, ?>> sagaRunners = new ArrayList<>();
    private TimerPoller timerPoller;
    private volatile ConvergenceCheck.Report lastCheck;
    private volatile String checkState = "not run";

    private TallyServer(Settings settings, ServeEngine.Factory engines, Consumer<String> progress) {
        this.settings = settings;
        HttpApi.configureJdkServer(); // before the local EventBridge starts the JDK's first HttpServer
        if (settings.apps().isEmpty()) {
            throw new IllegalArgumentException("no app to serve: pass --app PATH.jar (a jar with a TallyApp listed in"
                    + " META-INF/services/dev.tally.core.app.TallyApp; 'tally new' makes one)");
        }
        // before anything opens a file in it: a second server on the directory stops here
        this.lock = settings.dataDir() == null ? null : DataDirectoryLock.acquire(settings.dataDir());
        this.telemetry = new ServeTelemetry(); // metrics and traces from the first append on; closed with the lock
        try {
            this.engine = engines.start(new ServeEngine.Start(settings.dataDir(), settings.chaos(),
                    ServeArchive.open(settings), progress));
        } catch (RuntimeException e) {
            releaseLock();
            throw e;
        }
        try {
            for (TallyApp app : settings.apps()) {
                host(app, progress);
            }
            hostSagas(progress);
            AppContext context = new AppContext() {
                @Override
                @SuppressWarnings("unchecked")
                public <S> EventStore<S> store(AggregateDefinition<S> definition) {
                    EventStore<?> s = stores.get(definition.name());
                    if (s == null) {
                        throw new IllegalArgumentException("no store '" + definition.name() + "' is served");
                    }
                    return (EventStore<S>) s;
                }

                @Override
                @SuppressWarnings("unchecked")
                public <V> ViewReader<V> views(Projection<?, V> projection) {
                    HostedProjection p = projections.get(projection.name());
                    if (p == null) {
                        throw new IllegalArgumentException("no projection '" + projection.name() + "' is served");
                    }
                    return (ViewReader<V>) p.views();
                }
            };
            for (TallyApp app : settings.apps()) {
                appRoutes.addAll(app.routes(context));
            }
            appRoutes.addAll(OpsRoutes.of(this)); // rebuild, replay --all and verify-snapshots with --url
            // the console's: /api/openapi.json and a saga instance's pending actions
            appRoutes.addAll(ConsoleRoutes.of(settings.apps(), new OpenApiDocument.Options(settings.apps().stream()
                    .map(TallyApp::name).collect(Collectors.joining(", ", "tally serve: ", "")), "0.1.0",
                    settings.token() != null), stores::get, engine.timers()));
            engine.pipeline().start();
            if (!sagaRunners.isEmpty()) {
                timerPoller = new TimerPoller(engine.timers(), sagaRunners, java.time.Clock.systemUTC(),
                        Duration.ofMillis(250)).start();
            }
            Http http = settings.http();
            this.api = HttpApi.start(this, contract(), new HttpApi.Options(settings.host(), settings.port(), settings.token(),
                    http.tlsCert() == null ? null : new HttpApi.TlsFiles(http.tlsCert(), http.tlsKey()), http.workers(),
                    http.maxQueued()));
            if (lock != null) {
                lock.describe(api.url().toString());
            }
            startupCheck = new Thread(this::checkAtStartup, "tally-startup-verify");
            startupCheck.setDaemon(true);
            startupCheck.start();
        } catch (RuntimeException e) {
            try {
                engine.close();
            } finally {
                releaseLock();
            }
            throw e;
        }
    }

    private void releaseLock() {
        try {
            if (lock != null) {
                lock.close();
            }
        } finally {
            telemetry.close();
        }
    }

    ServeTelemetry telemetry() {
        return telemetry;
    }

    /** Starts a server on the one-JVM serverless stack ({@link LocalEngine}). */
    public static TallyServer start(Settings settings, Consumer<String> progress) {
        return start(settings, LocalEngine.FACTORY, progress);
    }

    /** Starts a server on the pipeline of the engine the factory starts. */
    public static TallyServer start(Settings settings, ServeEngine.Factory engine, Consumer<String> progress) {
        return new TallyServer(settings, engine, progress);
    }

    /** The HTTP contract over what this server hosts. */
    private TallyHttp contract() {
        Map<String, HostedView> views = new LinkedHashMap<>();
        projections.forEach((name, p) -> views.put(name, new HostedView(name, p.projection().store(), p.views())));
        return new TallyHttp(stores, views, appRoutes, new IdempotencyKeys(engine.idempotency(),
                java.time.Clock.systemUTC()), new TallyHttp.Options(RequestTelemetry::enrich,
                e -> e instanceof IllegalArgumentException
                        || e instanceof software.amazon.awssdk.core.exception.SdkException));
    }

    private void host(TallyApp app, Consumer<String> progress) {
        if (!APP_NAME.matcher(app.name()).matches()) {
            throw new IllegalArgumentException("app " + app.getClass().getName() + " is named '" + app.name()
                    + "': an app name is 1-32 lowercase letters, digits or '-' (it prefixes table names)");
        }
        for (AggregateDefinition<?> d : app.stores()) {
            if (stores.containsKey(d.name())) {
                throw new IllegalArgumentException("two apps declare a store named '" + d.name() + "' (the second is "
                        + app.name() + "): store names must be unique on one server");
            }
            stores.put(d.name(), engine.pipeline().store(d));
        }
        Map<String, SqlTable<?>> tables = SqlTables.declared(app);
        for (Projection<?, ?> p : app.projections()) {
            if (projections.containsKey(p.name())) {
                throw new IllegalArgumentException("two projections are named '" + p.name() + "' (the second in app "
                        + app.name() + "): projection names must be unique on one server");
            }
            if (!stores.containsKey(p.store())) {
                throw new IllegalArgumentException("projection '" + p.name() + "' of app " + app.name() + " reads store '"
                        + p.store() + "', which no app serves");
            }
            projections.put(p.name(), new HostedProjection(app.name(), p, project(app.name(), p,
                    tables.remove(p.name()))));
        }
        SqlTables.requireNoneLeft(app, tables);
        progress.accept("app " + app.name() + ": stores " + app.stores().stream().map(AggregateDefinition::name)
                .toList() + ", projections " + app.projections().stream().map(Projection::name).toList());
    }

    /**
     * Every app's sagas, after every app's stores (a saga may send commands to another app's store):
     * a store for the saga's instances, its targets on the local EventBridge, timers in the
     * "{prefix}-timers" table that a poller fires.
     */
    private void hostSagas(Consumer<String> progress) {
        UnreachableStores unreachable = new UnreachableStores(settings.unreachableStores());
        unreachable.requireServed(stores.keySet());
        if (!unreachable.isEmpty()) {
            progress.accept("chaos: the sagas' commands to " + unreachable.stores() + " fail as if the service were"
                    + " down (--chaos-unreachable); their deadlines run out");
        }
        for (TallyApp app : settings.apps()) {
            for (Saga<?, ?> saga : app.sagas()) {
                if (stores.containsKey(saga.name())) {
                    throw new IllegalArgumentException("saga '" + saga.name() + "' of app " + app.name()
                            + " has the name of a store already served: saga names must be unique among stores");
                }
                SagaRunner<?, ?> runner = SagaRunner.on(engine.pipeline(), saga, unreachable.around(stores::get),
                        engine.timers());
                stores.put(saga.name(), runner.instances());
                sagaRunners.add(runner);
                progress.accept("app " + app.name() + ": saga " + saga.name() + " observing " + saga.observes().stores());
            }
        }
    }

    @SuppressWarnings("unchecked")
    private <S, V> ProjectionWriter<V> project(String app, Projection<S, V> projection, SqlTable<?> table) {
        ProjectionWriter<V> writer = table == null ? engine.views(app, projection)
                : engine.views(app, projection, (SqlTable<V>) table);
        engine.pipeline().project(projection, writer);
        return writer;
    }

    /**
     * The safety net after a crash: compares every view with its ledger head and re-sends the
     * state of each aggregate a view is behind on, to that projection only. Runs once in the
     * background at start-up; its report is on /api/pipeline.
     */
    private void checkAtStartup() {
        checkState = "running";
        try {
            ConvergenceCheck.Report r = engine.pipeline().verify(true);
            lastCheck = r;
            checkState = "done";
            if (r.staleCount() > 0) {
                LOG.info("start-up check: {} stale views of {} aggregates; {} repair messages sent", r.staleCount(),
                        r.aggregates(), r.repaired());
            }
        } catch (RuntimeException e) {
            checkState = "failed: " + e.getMessage();
            LOG.warn("start-up convergence check failed", e);
        }
    }

    /** Compares views with the ledger; with {@code repair}, re-sends the state of stale aggregates. */
    public ConvergenceCheck.Report verify(boolean repair) {
        ConvergenceCheck.Report r = engine.pipeline().verify(repair);
        lastCheck = r;
        return r;
    }

    ConvergenceCheck.Report lastCheck() {
        return lastCheck;
    }

    String checkState() {
        return checkState;
    }

    public URI url() {
        return api.url();
    }

    public Settings settings() {
        return settings;
    }

    /** The engine the server runs on. */
    public ServeEngine engine() {
        return engine;
    }

    /** Each consumer's deliveries (for tests and tools). */
    public List<TargetStats> targetStats() {
        return engine.status().targets();
    }

    /** The ledger the stores read archived history through ({@code tally archive --url} archives into it). */
    public dev.tally.core.archive.ArchiveReadingLedger archiveLedger() {
        return engine.archiveLedger().orElseThrow(() -> new IllegalStateException("this server's engine keeps no"
                + " archive"));
    }

    /** The stores served, by name (sagas' instances included). */
    public Map<String, EventStore<?>> stores() {
        return stores;
    }

    public Map<String, HostedProjection> projections() {
        return projections;
    }

    List<AppRoute> appRoutes() {
        return appRoutes;
    }

    /** The views of a projection (for tests and tools). */
    public ProjectionWriter<?> views(String projection) {
        HostedProjection p = projections.get(projection);
        if (p == null) {
            throw new IllegalArgumentException("no projection '" + projection + "'; this server has "
                    + projections.keySet());
        }
        return p.views();
    }

    /** Waits until what was written has reached the read models (for tests and scripts). */
    public boolean awaitQuiet(Duration timeout) {
        return engine.awaitQuiet(timeout);
    }

    @Override
    public void close() {
        startupCheck.interrupt();
        if (timerPoller != null) {
            timerPoller.close();
        }
        try {
            api.close();
        } finally {
            try {
                engine.close();
            } finally {
                releaseLock();
            }
        }
    }
}
