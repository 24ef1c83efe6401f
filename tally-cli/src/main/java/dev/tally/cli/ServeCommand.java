package dev.tally.cli;

import dev.tally.core.internal.Chaos;
import dev.tally.server.HttpApi;
import dev.tally.server.PemTls;
import dev.tally.server.TallyServer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Runs Tally apps (jars with a TallyApp; ./tally serve runs the bank and counter examples) on"
                + " the one-JVM serverless stack: a DynamoDB Local ledger, its stream polled like a Lambda event source"
                + " mapping, the dispatcher Lambda, a local EventBridge whose rules are matched by AWS's event-ruler,"
                + " and projectors writing DynamoDB view tables. Serves the HTTP API (generic routes for every store"
                + " and projection, plus each app's own) and a dashboard; Ctrl-C stops it cleanly.", ""},
        footer = {"", "Examples:",
            "  tally serve --app shop/target/shop-0.1.0-SNAPSHOT.jar",
            "                                   your app (made with 'tally new'), data in ./tally-data",
            "  tally serve --app a.jar --app b.jar --in-memory --port 0",
            "                                   two apps, a throwaway run on any free port",
            "  TALLY_TOKEN=s3cret tally serve --app a.jar --host 0.0.0.0",
            "                                   reachable from other machines; every API route needs the token",
            "  ... --tls-cert cert.pem --tls-key key.pem",
            "                                   HTTPS (PEM chain and unencrypted PKCS#8 key)"})
final class ServeCommand implements Callable<Integer> {
    /** Returned when the server keeps running after the command returns (main must not exit). */
    static final int KEEP_RUNNING = Integer.MIN_VALUE;

    @Spec
    CommandSpec spec;

    @Option(names = "--data", paramLabel = "DIR", description = "where the ledger, read models and dead letters are"
            + " kept, and archived streams in DIR/archive (default: ${DEFAULT-VALUE})", defaultValue = "tally-data")
    Path data;

    @Option(names = "--in-memory", description = "keep nothing: for throwaway runs and tests")
    boolean inMemory;

    @Option(names = "--engine", paramLabel = "ENGINE", defaultValue = "dynamodb-local", description = "what the"
            + " ledger, views and the rest are kept in: dynamodb-local (default; the serverless stack as on AWS, in one"
            + " JVM) or postgres (an embedded PostgreSQL in DIR/postgres, or the server of --jdbc-url; much faster,"
            + " views queryable with SQL)")
    String engine;

    @Option(names = "--jdbc-url", paramLabel = "URL", description = "with --engine postgres: an existing PostgreSQL"
            + " instead of the embedded one (e.g. jdbc:postgresql://127.0.0.1:5432/app?user=app; user and password"
            + " from the URL or PGUSER/PGPASSWORD). Tally's tables are created or upgraded on start")
    String jdbcUrl;

    @Option(names = "--schema", paramLabel = "NAME", description = "with --jdbc-url: the schema of Tally's tables"
            + " (default: public, tables tally_*)")
    String schema;

    @Option(names = "--port", paramLabel = "N", defaultValue = "8080",
            description = "port to listen on (default: ${DEFAULT-VALUE}; 0 for any free port)")
    int port;

    @Option(names = "--host", paramLabel = "HOST", defaultValue = TallyServer.HOST,
            description = "address to bind (default: ${DEFAULT-VALUE}). Any other address exposes the server:"
                    + " then every API route needs a bearer token from TALLY_TOKEN (which, when set, is needed on"
                    + " loopback too)")
    String host;

    @Option(names = "--app", paramLabel = "JAR", description = "a jar with a TallyApp (listed in"
            + " META-INF/services/dev.tally.core.app.TallyApp); repeat for several. Apps on the classpath are"
            + " served too")
    java.util.List<Path> apps = new java.util.ArrayList<>();

    @Option(names = "--chaos", description = "start with chaos on: 30%% duplicate deliveries, reordering, delays")
    boolean chaos;

    @Option(names = "--chaos-unreachable", paramLabel = "STORE", description = "the commands sagas send to this store"
            + " fail as if its service were down (retried, then dead-lettered), so their deadlines run out: a way to"
            + " try timeouts and compensations; repeat for several stores")
    java.util.List<String> unreachable = new java.util.ArrayList<>();

    @Option(names = "--tls-cert", paramLabel = "FILE", description = "serve HTTPS with this PEM certificate chain"
            + " (the server's certificate first); needs --tls-key")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "the certificate's private key: PEM, unencrypted"
            + " PKCS#8 ('BEGIN PRIVATE KEY'), RSA, EC or EdDSA")
    Path tlsKey;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "" + HttpApi.DEFAULT_WORKERS, description = "HTTP"
            + " requests run at once (default: ${DEFAULT-VALUE})")
    int workers;

    @Option(names = "--max-queued", paramLabel = "N", defaultValue = "" + HttpApi.DEFAULT_MAX_QUEUED,
            description = "HTTP requests that may wait for a worker; beyond that a request gets 503 with Retry-After"
                    + " (default: ${DEFAULT-VALUE})")
    int maxQueued;

    private dev.tally.server.ServeEngine.Factory engineFactory() {
        return engine.equals("postgres") ? dev.tally.server.PostgresServeEngine.factory(jdbcUrl, schema, System.getenv())
                : dev.tally.server.LocalEngine.FACTORY;
    }

    /** Set by tests to run in-process: the started server is handed over instead of blocking. */
    java.util.function.Consumer<TallyServer> onStarted;

    @Override
    public Integer call() throws Exception {
        if (port < 0 || port > 65535) {
            throw new ParameterException(spec.commandLine(), "--port must be 0-65535, got " + port);
        }
        if ((tlsCert == null) != (tlsKey == null)) {
            throw new ParameterException(spec.commandLine(), "--tls-cert and --tls-key go together: pass both (PEM"
                    + " files) for HTTPS, or neither for plain HTTP");
        }
        if (tlsCert != null) {
            try {
                PemTls.context(tlsCert, tlsKey); // refuse unusable files before anything starts
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
        }
        if (!engine.equals("dynamodb-local") && !engine.equals("postgres")) {
            throw new ParameterException(spec.commandLine(), "--engine must be dynamodb-local or postgres, got '"
                    + engine + "'");
        }
        if ((jdbcUrl != null || schema != null) && !engine.equals("postgres")) {
            throw new ParameterException(spec.commandLine(), "--jdbc-url and --schema choose the PostgreSQL of"
                    + " --engine postgres: add --engine postgres, or leave them out");
        }
        if (jdbcUrl != null && inMemory) {
            throw new ParameterException(spec.commandLine(), "--in-memory starts a throwaway embedded PostgreSQL and"
                    + " --jdbc-url uses an existing one: pass one or the other");
        }
        if (workers < 1 || maxQueued < 0) {
            throw new ParameterException(spec.commandLine(), "--workers must be >= 1 and --max-queued >= 0");
        }
        String token = System.getenv("TALLY_TOKEN");
        boolean loopback = host.equals("127.0.0.1") || host.equals("localhost") || host.equals("::1");
        if (!loopback && (token == null || token.isBlank())) {
            throw new ParameterException(spec.commandLine(), "--host " + host + " exposes the server beyond this"
                    + " machine, so every API route must need a token: set TALLY_TOKEN (e.g. TALLY_TOKEN=$(openssl rand"
                    + " -hex 16)) and start again, or leave --host at 127.0.0.1");
        }
        if (token != null && token.isBlank()) {
            token = null;
        }
        dev.tally.server.ServeEngine.Factory engines = engineFactory();
        PrintWriter out = spec.commandLine().getOut();
        java.util.List<dev.tally.core.app.TallyApp> found = AppLoader.load(apps, spec.commandLine());
        ServeTracing tracing = ServeTracing.fromEnvironment(System.getenv(), out); // before the server's telemetry
        TallyServer server = TallyServer.start(new TallyServer.Settings(inMemory ? null : data, host, port,
                token, chaos ? Chaos.typical() : Chaos.NONE, found,
                new TallyServer.Http(tlsCert, tlsKey, workers, maxQueued), java.util.Set.copyOf(unreachable)), engines,
                line -> {
                    out.println(line);
                    out.flush();
                });
        out.println("Tally is serving on " + server.url() + "  (dashboard: " + server.url() + "/ ; API: "
                + server.url() + "/api ; Ctrl-C to stop)");
        out.flush();
        if (onStarted != null) {
            onStarted.accept(server);
            return KEEP_RUNNING;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean stopping = new java.util.concurrent.atomic.AtomicBoolean();
        Runnable stop = () -> {
            if (!stopping.compareAndSet(false, true)) {
                awaitQuietly(stopped); // the other path is stopping it: wait for it to finish
                return;
            }
            out.println("stopping Tally...");
            out.flush();
            server.close();
            tracing.close();
            out.println("stopped" + (inMemory ? "" : "; data kept in " + data.toAbsolutePath()));
            out.flush();
            stopped.countDown();
        };
        // SIGTERM is how a service manager asks for a stop: a clean stop exits 0 (not 143, which
        // would read as a failure); other signals still stop cleanly through the shutdown hook
        onSigterm(stop);
        Runtime.getRuntime().addShutdownHook(new Thread(stop, "tally-shutdown"));
        stopped.await();
        return 0;
    }

    private static void onSigterm(Runnable stop) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("TERM"), signal -> stop.run());
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // no such signal here (or the JVM handles it itself): the shutdown hook stops the server
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
