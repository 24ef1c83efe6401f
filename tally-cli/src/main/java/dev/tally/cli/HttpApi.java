package dev.tally.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.tally.core.Aggregate;
import dev.tally.core.EventStore;
import dev.tally.core.InvalidEventException;
import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.app.AppRoute;
import dev.tally.core.command.CommandResult;
import dev.tally.core.command.RetriesExhausted;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.runtime.Chaos;
import dev.tally.core.runtime.ConvergenceCheck;
import dev.tally.core.runtime.DeadLetter;
import dev.tally.core.message.MessageCodec;
import dev.tally.core.runtime.TargetStats;
import dev.tally.core.projection.Versioned;
import dev.tally.local.LocalPipeline;
import dev.tally.local.LoopbackHttp;
import dev.tally.local.StreamPoller;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API (JSON) and the dashboard, on the JDK's built-in server. Routes:
 *
 * <pre>
 * GET  /api/stores                               -> [{"name","commands","internalCommands","projections"}]
 * POST /api/stores/{store}/{id}/commands/{Command} the command record as JSON -> 200 {"aggregateId","version"}
 *                                                    | 400 naming the field | 422 {"error": code, "message"}
 *                                                    | 403 internal_command for a command its app declared internal
 * GET  /api/views/{projection}/{id}               -> {"projection","key","version","view"} | 404
 * (each app's own routes, e.g. the bank's /api/accounts/..., the counter's /api/counters/...)
 * POST /api/replay/{store}/{id}                   -> appends the replay event
 * GET  /api/pipeline                              -> stream lag, dispatched, deliveries, retries, dead letters
 * GET  /api/dead-letters[?limit=N&cursor=C], POST /api/dead-letters/{id}/redrive, POST /api/dead-letters/redrive
 * POST /api/verify[?repair=true]                  -> views compared with the ledger (and repaired)
 * POST /api/chaos {"on": true|false}
 * GET  /api/stores/{store}/{id}/events[?limit=N&cursor=C], GET /api/stores/{store}/{id}/aggregate[?atVersion=N]
 * POST /api/forget/{store}/{id}                    -> 200 {"aggregateId","version"}: destroys the data keys of its
 *                                                    personal data and appends the audit event (docs/privacy.md)
 * GET  /                                          -> the dashboard
 * </pre>
 *
 * Every error is JSON {@code {"error": code, "message": what was wrong and what to do}}; a
 * rejected request appends nothing; a 500 carries only an error id, the details are in the log
 * under that id. Before any route, {@link RequestGuard} checks Host, Origin and the token (on
 * every /api route when the server has one); write routes need {@code Content-Type:
 * application/json}.
 *
 * <p>Bounded under load: the JDK server reads a request's line, headers and body on one of
 * {@link #IO_THREADS} threads, and closes a connection whose request is not read within
 * {@link #READ_DEADLINE_SECONDS} (its own timer, {@code sun.net.httpserver.maxReqTime}), so slow
 * clients hold no worker for long and never hold one of the {@code workers} that run routes. A
 * request read in full is handed to a worker; when every worker is busy it waits in a queue of at
 * most {@code maxQueued}; beyond that it is answered 503 with {@code Retry-After} at once. The I/O
 * threads never wait for a worker, so the read deadline never cuts off a request that is only
 * waiting its turn.
 */
final class HttpApi implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final int MAX_BODY = 16 * 1024;
    /** Threads that read requests (headers and body) and wait for a worker. */
    static final int IO_THREADS = 256;
    /** A request not read completely within this many seconds has its connection closed. */
    static final int READ_DEADLINE_SECONDS = 10;
    /** Default number of requests run at once. */
    static final int DEFAULT_WORKERS = 64;
    /** Default number of read requests that may wait for a worker before 503. */
    static final int DEFAULT_MAX_QUEUED = 1024;

    static {
        configureJdkServer();
    }

    /**
     * The JDK server's limits, read once by its first instance (the local EventBridge starts one
     * before the API): call before anything starts an {@code HttpServer}. A value set on the command
     * line ({@code -Dsun.net.httpserver.maxReqTime=...}) wins.
     */
    static void configureJdkServer() {
        LoopbackHttp.enableNoDelay();
        setIfAbsent("sun.net.httpserver.maxReqTime", Integer.toString(READ_DEADLINE_SECONDS));
        setIfAbsent("sun.net.httpserver.maxReqHeaders", "100");
        setIfAbsent("sun.net.httpserver.maxReqHeaderSize", Integer.toString(64 * 1024));
        setIfAbsent("sun.net.httpserver.maxConnections", "2000");
        setIfAbsent("sun.net.httpserver.idleInterval", "30");
    }

    private static void setIfAbsent(String property, String value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, value);
        }
    }

    /** How the API listens: {@code tls} null for plain HTTP. */
    record Options(String host, int port, String token, TlsFiles tls, int workers, int maxQueued) {
        Options {
            if (workers < 1 || maxQueued < 0) {
                throw new IllegalArgumentException("workers must be >= 1 and maxQueued >= 0");
            }
        }

        static Options plain(String host, int port, String token) {
            return new Options(host, port, token, null, DEFAULT_WORKERS, DEFAULT_MAX_QUEUED);
        }
    }

    /** PEM files for HTTPS (see {@link PemTls} for the formats). */
    record TlsFiles(java.nio.file.Path cert, java.nio.file.Path key) {
    }

    /** An answer: status and JSON body (or a static file). */
    record Response(int status, String contentType, byte[] body) {
        static Response json(int status, JsonNode body) {
            return new Response(status, "application/json; charset=utf-8", body.toString().getBytes(StandardCharsets.UTF_8));
        }
    }

    /** A refusal a client caused: becomes {@code {"error", "message"}} with its status. */
    static final class ApiError extends RuntimeException {
        final int status;
        final String code;

        ApiError(int status, String code, String message) {
            super(message, null, false, false);
            this.status = status;
            this.code = code;
        }
    }

    @FunctionalInterface
    private interface Handler {
        Response handle(HttpExchange exchange, Matcher path) throws IOException;
    }

    private record Route(String method, Pattern path, boolean write, Handler handler) {
    }

    private final TallyServer app;
    private final HttpServer server;
    private final boolean https;
    private final RequestGuard guard;
    /** Run routes: at most {@code workers} at once, at most {@code maxQueued} read requests waiting. */
    private final ThreadPoolExecutor workers;
    private final ExecutorService threads;
    private final List<Route> routes = new ArrayList<>();
    private final Map<String, EventStore<?>> stores;
    private final PipelineStatus status;
    /**
     * The body of each request in progress, read before it takes a worker. Not an exchange attribute:
     * on JDK 17 those are the context's, shared by every request.
     */
    private final Map<HttpExchange, byte[]> bodies = new java.util.concurrent.ConcurrentHashMap<>();

    private HttpApi(TallyServer app, Options options) {
        this.app = app;
        this.stores = app.stores();
        this.status = new PipelineStatus(app.pipeline());
        routes();
        String host = options.host();
        int port = options.port();
        this.https = options.tls() != null;
        try {
            InetSocketAddress address = new InetSocketAddress(host, port);
            if (https) {
                HttpsServer s = HttpsServer.create(address, 512);
                s.setHttpsConfigurator(new HttpsConfigurator(PemTls.context(options.tls().cert(),
                        options.tls().key())));
                this.server = s;
            } else {
                this.server = HttpServer.create(address, 512);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen on " + host + ":" + port + ": " + e.getMessage()
                    + (port != 0 ? " (is another server on that port? pass --port 0 for any free port)" : ""), e);
        }
        this.guard = RequestGuard.of(https ? "https" : "http", host, server.getAddress(), options.token());
        this.workers = new ThreadPoolExecutor(options.workers(), options.workers(), 30, TimeUnit.SECONDS,
                options.maxQueued() == 0 ? new java.util.concurrent.SynchronousQueue<>()
                        : new java.util.concurrent.ArrayBlockingQueue<>(options.maxQueued()), r -> {
                    Thread t = new Thread(r, "tally-worker");
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.AbortPolicy());
        workers.allowCoreThreadTimeOut(true);
        ThreadPoolExecutor io = new ThreadPoolExecutor(IO_THREADS, IO_THREADS, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(1024), r -> {
                    Thread t = new Thread(r, "tally-http");
                    t.setDaemon(true);
                    return t;
                });
        io.allowCoreThreadTimeOut(true);
        this.threads = io;
        server.setExecutor(threads);
        server.createContext("/", this::dispatch);
        server.start();
    }

    static HttpApi start(TallyServer app, Options options) {
        return new HttpApi(app, options);
    }

    static HttpApi start(TallyServer app, String host, int port, String token) {
        return new HttpApi(app, Options.plain(host, port, token));
    }

    URI url() {
        String host = server.getAddress().getAddress().getHostAddress();
        return URI.create((https ? "https://" : "http://") + (host.contains(":") ? "[" + host + "]" : host) + ":"
                + server.getAddress().getPort());
    }

    private void route(String method, String path, boolean write, Handler handler) {
        routes.add(new Route(method, Pattern.compile(path), write, handler));
    }

    private void routes() {
        for (AppRoute r : app.appRoutes()) {
            routes.add(new Route(r.method(), r.path(), r.writes(), (x, m) -> appRoute(r, x, m)));
        }
        route("GET", "/api/stores", false, (x, m) -> storesJson());
        route("POST", "/api/stores/([^/]+)/([^/]+)/commands/([^/]+)", true,
                (x, m) -> command(x, store(m.group(1)), id(m.group(2)), name("command", m.group(3))));
        route("GET", "/api/views/([^/]+)/([^/]+)", false,
                (x, m) -> view(name("projection", m.group(1)), id(m.group(2))));
        route("POST", "/api/replay/([^/]+)/([^/]+)", true, (x, m) -> replay(store(m.group(1)), id(m.group(2))));
        route("POST", "/api/forget/([^/]+)/([^/]+)", true, (x, m) -> forget(store(m.group(1)), id(m.group(2))));
        route("GET", "/api/pipeline", false, (x, m) -> pipeline());
        route("GET", "/api/dead-letters", false, (x, m) -> deadLetters(x.getRequestURI().getRawQuery()));
        route("POST", "/api/verify", true, (x, m) -> verify(x.getRequestURI().getRawQuery()));
        route("POST", "/api/dead-letters/redrive", true, (x, m) -> redriveAll());
        route("POST", "/api/dead-letters/([^/]+)/redrive", true, (x, m) -> redrive(name("dead letter id", m.group(1))));
        route("POST", "/api/chaos", true, (x, m) -> chaos(x));
        route("GET", "/api/stores/([^/]+)/([^/]+)/events", false,
                (x, m) -> events(store(m.group(1)), id(m.group(2)), x.getRequestURI().getRawQuery()));
        route("GET", "/api/stores/([^/]+)/([^/]+)/aggregate", false,
                (x, m) -> aggregate(store(m.group(1)), id(m.group(2)), x.getRequestURI().getRawQuery()));
        route("GET", "/metrics", false, (x, m) -> new Response(200, ServeTelemetry.CONTENT_TYPE,
                app.telemetry().scrape().getBytes(StandardCharsets.UTF_8)));
        route("GET", "/api/lag", false, (x, m) -> ObservabilityJson.lag(app.telemetry().recentLag()));
        route("GET", "/", false, (x, m) -> file("index.html", "text/html; charset=utf-8"));
        route("GET", "/static/(api|forms|inspector|pipeline|console|style)\\.(js|css)", false, (x, m) -> file(m.group(1)
                + "." + m.group(2),
                m.group(2).equals("js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8"));
    }

    // --- dispatching ---------------------------------------------------------------------------

    /**
     * On an I/O thread: the guard, then the whole request is read, which stops the JDK server's
     * read deadline; then a worker runs it, or, when every worker is busy and the queue is full,
     * 503 at once. I/O threads never wait for a worker, so a request that arrived in time is never
     * cut off by the read deadline while it waits its turn.
     */
    private void dispatch(HttpExchange x) {
        try {
            // Host, Origin and token first: a replay under an Idempotency-Key is an answer like any other
            guard.check(x);
            byte[] raw;
            try (InputStream in = x.getRequestBody()) {
                raw = in.readNBytes(MAX_BODY + 1); // more is refused by the route (413)
            }
            x.setStreams(new java.io.ByteArrayInputStream(raw), null);
        } catch (ApiError e) {
            send(x, error(e.status, e.code, e.getMessage()));
            return;
        } catch (IOException e) {
            LOG.debug("{} {}: request not read: {}", x.getRequestMethod(), x.getRequestURI().getRawPath(), e.toString());
            x.close();
            return;
        } catch (Exception | StackOverflowError e) {
            send(x, internal(x, e));
            return;
        }
        try {
            workers.execute(() -> run(x));
        } catch (java.util.concurrent.RejectedExecutionException full) {
            x.getResponseHeaders().set("Retry-After", "1");
            send(x, error(503, "overloaded", "the server is at its limit of requests in progress and waiting;"
                    + " nothing was done: retry after the number of seconds in Retry-After"));
        }
    }

    /** On a worker: the idempotency key, the route, the answer. */
    private void run(HttpExchange x) {
        Response r;
        RequestTelemetry request = null;
        try {
            // on the thread that runs the route: the correlation and the span are this thread's
            request = RequestTelemetry.start(x); // X-Correlation-Id in and out, the request's span
            r = app.idempotencyKeys().answer(x, () -> respond(x));
        } catch (ApiError e) {
            r = error(e.status, e.code, e.getMessage());
        } catch (Exception | StackOverflowError e) {
            r = internal(x, e);
        } finally {
            bodies.remove(x);
        }
        try {
            send(x, r);
        } finally {
            if (request != null) {
                request.status(r.status());
                request.close();
            }
        }
    }

    private Response respond(HttpExchange x) {
        try {
            return answer(x);
        } catch (ApiError e) {
            return error(e.status, e.code, e.getMessage());
        } catch (RetriesExhausted e) {
            x.getResponseHeaders().set("Retry-After", "1");
            return error(503, "busy", e.getMessage());
        } catch (dev.tally.core.ledger.LedgerUnavailable e) {
            LOG.warn("{} {}: {}", x.getRequestMethod(), x.getRequestURI().getRawPath(), e.getMessage());
            x.getResponseHeaders().set("Retry-After", "1");
            return error(503, "store_unavailable", "the store could not be read; nothing was written. Retry in a"
                    + " moment");
        } catch (dev.tally.core.ledger.OutcomeUnknown e) {
            // not recorded under an Idempotency-Key: a retry with the key finds out (and applies at most once)
            LOG.warn("{} {}: {}", x.getRequestMethod(), x.getRequestURI().getRawPath(), e.getMessage());
            return error(503, "outcome_unknown", "the command may or may not have been applied; retry with the same"
                    + " Idempotency-Key to find out (it is applied at most once)");
        } catch (Exception | StackOverflowError e) {
            return internal(x, e);
        }
    }

    /**
     * Input is validated before it reaches the event store: this is the server's data or code. The
     * client gets an id to quote; the details stay in the log.
     */
    private static Response internal(HttpExchange x, Throwable e) {
        String id = UUID.randomUUID().toString().substring(0, 8);
        LOG.error("error {}: {} {} failed", id, x.getRequestMethod(), x.getRequestURI().getRawPath(), e);
        return Response.json(500, JsonCodec.object().put("error", "internal").put("errorId", id)
                .put("message", "the server failed on this request; its log has the details under error id " + id));
    }

    private static void send(HttpExchange x, Response r) {
        boolean head = "HEAD".equals(x.getRequestMethod());
        try (x) {
            x.getResponseHeaders().set("Content-Type", r.contentType());
            x.getResponseHeaders().set("Cache-Control", "no-store");
            x.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
            x.getResponseHeaders().set("Content-Security-Policy", "default-src 'self'");
            x.sendResponseHeaders(r.status(), r.body().length == 0 || head ? -1 : r.body().length);
            if (r.body().length > 0 && !head) {
                try (OutputStream out = x.getResponseBody()) {
                    out.write(r.body());
                }
            }
        } catch (IOException e) {
            LOG.debug("client went away: {}", e.toString());
        }
    }

    private Response answer(HttpExchange x) throws IOException, InterruptedException {
        // match the raw path: each id is decoded once, by id()
        String path = x.getRequestURI().getRawPath();
        boolean pathKnown = false;
        for (Route route : routes) {
            Matcher m = route.path().matcher(path);
            if (!m.matches()) {
                continue;
            }
            pathKnown = true;
            if (!route.method().equals(x.getRequestMethod())) {
                continue;
            }
            if (route.write()) {
                RequestGuard.requireJson(x);
            }
            bodies.put(x, readBody(x)); // read on the I/O thread already (see dispatch): from memory
            return route.write() ? handleWrite(x, route, m) : route.handler().handle(x, m);
        }
        if (pathKnown) {
            throw new ApiError(405, "method_not_allowed", x.getRequestMethod() + " is not allowed on " + path);
        }
        throw new ApiError(404, "not_found", "no route " + x.getRequestMethod() + " " + path
                + "; the API is under /api (see README)");
    }

    /**
     * Every write route runs through here, after the request passed the guard (Host, Origin,
     * token, JSON content type), its body was read ({@link #requestBody}) and a worker was
     * assigned. The place for checks that concern writes only, such as an {@code Idempotency-Key}.
     */
    private Response handleWrite(HttpExchange x, Route route, Matcher m) throws IOException {
        return route.handler().handle(x, m);
    }

    /** The body as sent (at most {@link #MAX_BODY} bytes; read once, before the route runs). */
    byte[] requestBody(HttpExchange x) {
        byte[] b = bodies.get(x);
        return b == null ? new byte[0] : b;
    }

    private static byte[] readBody(HttpExchange x) throws IOException {
        byte[] bytes;
        try (InputStream in = x.getRequestBody()) {
            bytes = in.readNBytes(MAX_BODY + 1);
        }
        if (bytes.length > MAX_BODY) {
            throw new ApiError(413, "body_too_large", "the request body is over " + MAX_BODY + " bytes");
        }
        return bytes;
    }

    // --- apps: their own routes, and the generic command and view routes -------------------------------

    private Response appRoute(AppRoute route, HttpExchange x, Matcher m) throws IOException {
        List<String> params = new ArrayList<>();
        for (int i = 1; i <= m.groupCount(); i++) {
            params.add(id(m.group(i)));
        }
        JsonNode body = "POST".equals(x.getRequestMethod()) || "PUT".equals(x.getRequestMethod()) ? bodyOrEmpty(x)
                : JsonCodec.object();
        AppRoute.Response r;
        Map<String, String> query = query(x.getRequestURI().getRawQuery());
        try {
            r = route.handler().handle(new AppRoute.Request(params, body, query, IdempotencyKeys.metadata(x)));
        } catch (AppRoute.AppError e) {
            throw new ApiError(e.status(), e.code(), e.getMessage());
        } catch (IllegalArgumentException | software.amazon.awssdk.core.exception.SdkException e) {
            if (query.containsKey("cursor")) {
                throw badCursor(query.get("cursor"));
            }
            throw e;
        }
        return Response.json(r.status(), r.body());
    }

    private Response storesJson() {
        ArrayNode list = JsonCodec.mapper().createArrayNode();
        for (EventStore<?> s : stores.values()) {
            ObjectNode n = list.addObject().put("name", s.name());
            ArrayNode commands = n.putArray("commands");
            s.definition().commandTypes().keySet().forEach(commands::add);
            ArrayNode internal = n.putArray("internalCommands");
            s.definition().internalCommands().forEach(internal::add);
            ArrayNode projections = n.putArray("projections");
            app.projections().values().stream().filter(p -> p.projection().store().equals(s.name()))
                    .forEach(p -> projections.add(p.projection().name()));
        }
        return Response.json(200, list);
    }

    private Response command(HttpExchange x, EventStore<?> store, String id, String commandName) throws IOException {
        if (store.definition().commandType() == dev.tally.core.saga.SagaInput.class) {
            throw new ApiError(405, "saga_store", "'" + store.name() + "' keeps a saga's instances: its inputs come"
                    + " from its runner only; read it with GET .../aggregate or .../events");
        }
        Class<?> type = store.definition().commandTypes().get(commandName);
        if (type == null) {
            throw new ApiError(404, "unknown_command", "store '" + store.name() + "' has no command '" + commandName
                    + "'; its commands are " + store.definition().commandTypes().keySet());
        }
        if (store.definition().isInternal(commandName)) {
            throw new ApiError(403, "internal_command", internalCommand(store, commandName));
        }
        JsonNode body = bodyOrEmpty(x);
        Object command;
        try {
            command = COMMANDS.treeToValue(body, type);
        } catch (com.fasterxml.jackson.databind.JsonMappingException e) {
            String field = e.getPath().isEmpty() ? null : e.getPath().get(0).getFieldName();
            throw new ApiError(400, "invalid_command", (field == null ? "the body" : "field '" + field + "'")
                    + " does not fit " + commandName + ": " + e.getOriginalMessage().split("\n")[0]
                    + "; send the command's fields as JSON, e.g. " + example(type));
        } catch (IllegalArgumentException | com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ApiError(400, "invalid_command", "the body does not fit " + commandName + ": " + e.getMessage()
                    + "; send e.g. " + example(type));
        }
        return executeCommand(store, id, command, IdempotencyKeys.metadata(x));
    }

    /** Why a command declared internal is refused here, and what to use instead. */
    static String internalCommand(EventStore<?> store, String commandName) {
        java.util.Set<String> open = new java.util.LinkedHashSet<>(store.definition().commandTypes().keySet());
        open.removeAll(store.definition().internalCommands());
        return "command '" + commandName + "' of store '" + store.name() + "' is internal: its app declared it for its"
                + " own process (a saga or the app's code), so it is not accepted over HTTP; use the app's own routes,"
                + " or one of the store's other commands " + open;
    }

    @SuppressWarnings("unchecked")
    private static <S> Response executeCommand(EventStore<S> store, String id, Object command,
                                               dev.tally.core.EventMetadata metadata) {
        CommandResult<S> r = store.execute(id, (dev.tally.core.command.Command<S>) command, metadata);
        if (r instanceof CommandResult.Rejected<S> rejected) {
            return error(422, rejected.rejection().code(), rejected.rejection().message());
        }
        return written(id, r.aggregate().version());
    }

    /** A JSON sketch of a command record's fields, for error messages. */
    private static String example(Class<?> type) {
        if (!type.isRecord()) {
            return "{}";
        }
        ObjectNode n = JsonCodec.object();
        for (var c : type.getRecordComponents()) {
            n.put(c.getName(), "<" + c.getType().getSimpleName() + ">");
        }
        return n.toString();
    }

    private Response view(String projection, String key) {
        TallyServer.HostedProjection p = app.projections().get(projection);
        if (p == null) {
            throw new ApiError(404, "unknown_projection", "no projection '" + projection + "'; this server has "
                    + app.projections().keySet());
        }
        var v = p.views().read(key).orElseThrow(() -> new ApiError(404, "not_found", "projection '" + projection
                + "' has no view '" + key + "' (yet: views follow the ledger within moments)"));
        ObjectNode body = JsonCodec.object().put("projection", projection).put("key", v.key())
                .put("version", v.version());
        EventStore<?> owner = stores.get(p.projection().store());
        body.set("view", owner == null ? JsonCodec.toTree(v.view()) : revealed(owner, JsonCodec.toTree(v.view())));
        return Response.json(200, body);
    }

    // --- replay, events, aggregates --------------------------------------------------------------

    private Response replay(EventStore<?> store, String id) {
        if (head(store, id) == 0) {
            throw new ApiError(404, "not_found", store.name() + "/" + id + " has no events to replay");
        }
        RecordedEvent e = store.requestReplay(id, "requested over HTTP",
                RequestTelemetry.enrich(dev.tally.core.EventMetadata.empty()));
        return written(id, e.version());
    }

    /** Destroys the data keys of the aggregate's personal data and appends the audit event (docs/privacy.md). */
    private Response forget(EventStore<?> store, String id) {
        if (head(store, id) == 0) {
            throw new ApiError(404, "not_found", store.name() + "/" + id + " has no events: nothing to forget");
        }
        if (store.personalData().isEmpty()) {
            throw new ApiError(409, "no_keys", "store '" + store.name() + "' has no keys for personal data");
        }
        RecordedEvent e = store.forget(id);
        return written(id, e.version());
    }

    /** Default and largest page of events. */
    static final int EVENTS_PAGE = 1000;

    private Response events(EventStore<?> store, String id, String rawQuery) {
        Map<String, String> q = query(rawQuery);
        int limit = intParam(q, "limit", EVENTS_PAGE, 1, EVENTS_PAGE);
        long from = 1;
        String cursor = q.get("cursor");
        if (cursor != null) {
            try {
                from = Long.parseLong(cursor);
            } catch (NumberFormatException e) {
                from = 0;
            }
            if (from < 1) {
                throw badCursor(cursor);
            }
        }
        List<RecordedEvent> read = store.read(id, new ReadOptions(from, Long.MAX_VALUE, false, limit + 1));
        ArrayNode events = JsonCodec.mapper().createArrayNode();
        for (RecordedEvent e : read.subList(0, Math.min(limit, read.size()))) {
            ObjectNode event = JsonCodec.eventToJson(e);
            event.set("payload", revealed(store, e.payload()));
            events.add(event);
        }
        ObjectNode body = JsonCodec.object();
        body.put("store", store.name());
        body.put("aggregateId", id);
        body.set("events", events);
        if (read.size() > limit) {
            body.put("nextCursor", Long.toString(read.get(limit).version()));
        } else {
            body.putNull("nextCursor");
        }
        return Response.json(200, body);
    }

    private static ApiError badCursor(String cursor) {
        return new ApiError(400, "invalid_cursor", "'cursor' " + (cursor.length() > 80 ? "" : "'" + cursor + "' ")
                + "is not a cursor this server gave out: pass back the nextCursor of the previous page unchanged, or"
                + " leave it out for the first page");
    }

    private Response aggregate(EventStore<?> store, String id, String query) {
        long at = Long.MAX_VALUE;
        if (query != null) {
            for (String part : query.split("&")) {
                if (part.startsWith("atVersion=")) {
                    try {
                        at = Long.parseLong(part.substring("atVersion=".length()));
                    } catch (NumberFormatException e) {
                        at = -1;
                    }
                    if (at < 1) {
                        throw new ApiError(400, "invalid_at_version", "atVersion must be a whole number >= 1, got '"
                                + part.substring("atVersion=".length()) + "'");
                    }
                }
            }
        }
        return Response.json(200, revealed(store, aggregateJson(store, id, at)));
    }

    /** Sealed personal values revealed for the reader; "(forgotten)" where the key was destroyed (docs/privacy.md). */
    private static JsonNode revealed(EventStore<?> store, JsonNode n) {
        return store.personalData().map(p -> p.reveal(n, com.fasterxml.jackson.databind.node.TextNode.valueOf(
                dev.tally.core.privacy.PersonalData.FORGOTTEN)).value()).orElse(n);
    }

    private static <S> ObjectNode aggregateJson(EventStore<S> store, String id, long at) {
        Aggregate<S> a = at == Long.MAX_VALUE ? store.load(id) : store.loadAt(id, at);
        if (!a.exists()) {
            throw new ApiError(404, "not_found", store.name() + "/" + id + " has no events");
        }
        ObjectNode body = JsonCodec.object();
        body.put("store", store.name());
        body.put("aggregateId", id);
        body.put("version", a.version());
        body.set("state", store.stateToJson(a.state()));
        return body;
    }

    // --- the pipeline ----------------------------------------------------------------------------

    private Response pipeline() {
        PipelineStatus.Snapshot snapshot = status.snapshot();
        LocalPipeline.Stats s = snapshot.stats();
        ObjectNode body = JsonCodec.object();
        StreamPoller.Stats stream = s.stream();
        ObjectNode st = body.putObject("stream");
        if (stream != null) {
            st.put("checkpoint", stream.checkpoint());
            st.put("lagMillis", stream.lagMillis());
            st.put("buffered", stream.buffered());
            st.put("recordsRead", stream.recordsRead());
            st.put("invocations", stream.invocations());
            st.put("failedInvocations", stream.failedInvocations());
            st.put("retries", stream.retries());
            st.put("deadLettered", stream.deadLettered());
            st.put("lastError", stream.lastError());
        }
        body.put("eventsDispatched", s.dispatched());
        body.put("dispatchFailures", s.dispatchFailures());
        body.put("published", s.published());
        body.put("publishRetries", s.publishRetries());
        body.put("claimChecks", s.claimChecks());
        body.put("recoveredDeliveries", s.recoveredDeliveries());
        body.put("orphanedDeliveries", s.orphanedDeliveries());
        body.put("pendingDeliveries", s.pendingDeliveries());
        body.put("deadLetterCount", s.deadLetters());
        body.put("asOf", snapshot.takenAt().toString());
        Map<String, Integer> dead = snapshot.deadLettersBySource();
        ArrayNode targets = body.putArray("targets");
        for (TargetStats t : s.targets()) {
            targets.addObject().put("target", t.target()).put("deliveries", t.delivered())
                    .put("retries", t.failedAttempts()).put("deadLettered", t.deadLettered())
                    .put("redriven", t.redriven()).put("deadLetters", dead.getOrDefault("target:" + t.target(), 0));
        }
        ObjectNode byTarget = body.putObject("deadLetters");
        dead.forEach(byTarget::put);
        ObjectNode check = body.putObject("startupCheck");
        check.put("state", app.checkState());
        ConvergenceCheck.Report last = app.lastCheck();
        if (last != null) {
            check.set("report", reportJson(last));
        }
        Chaos chaos = app.pipeline().eventBridge().chaos();
        body.putObject("chaos").put("on", chaos.isOn()).put("duplicateRate", chaos.duplicateRate())
                .put("maxDelayMillis", chaos.maxDelay().toMillis()).put("reorder", chaos.reorder());
        return Response.json(200, body);
    }

    private Response deadLetters(String query) {
        Map<String, String> q = query(query);
        int limit = intParam(q, "limit", 100, 1, 1000);
        String cursor = q.get("cursor");
        if (cursor != null && !NAME.matcher(cursor).matches()) {
            throw badCursor(cursor);
        }
        Page<DeadLetter> page = app.pipeline().deadLetters().page(new PageRequest(cursor, limit));
        ArrayNode list = JsonCodec.mapper().createArrayNode();
        for (DeadLetter d : page.items()) {
            ObjectNode n = list.addObject();
            n.put("id", d.id()).put("source", d.source().kind()).put("target", d.source().name())
                    .put("error", d.error()).put("attempts", d.attempts()).put("failedAt", d.failedAt().toString());
            n.putObject("ref").put("store", d.ref().store()).put("aggregateId", d.ref().aggregateId())
                    .put("version", d.ref().version());
            if (d.hasBody()) {
                n.set("message", MessageCodec.toJson(d.message()));
            } else {
                n.putNull("message");
            }
        }
        ObjectNode body = JsonCodec.object();
        body.set("deadLetters", list);
        if (page.nextCursor() == null) {
            body.putNull("nextCursor");
        } else {
            body.put("nextCursor", page.nextCursor());
        }
        return Response.json(200, body);
    }

    private Response verify(String query) {
        boolean repair = "true".equals(query(query).get("repair"));
        return Response.json(200, reportJson(app.verify(repair)));
    }

    private static ObjectNode reportJson(ConvergenceCheck.Report r) {
        ObjectNode n = JsonCodec.object();
        n.put("aggregates", r.aggregates()).put("views", r.views()).put("stale", r.staleCount())
                .put("repaired", r.repaired()).put("converged", r.converged())
                .put("startedAt", r.startedAt().toString()).put("tookMillis", r.took().toMillis());
        ArrayNode list = n.putArray("staleViews");
        for (ConvergenceCheck.Stale st : r.stale()) {
            list.addObject().put("projection", st.projection()).put("aggregateId", st.aggregateId())
                    .put("viewVersion", st.viewVersion()).put("ledgerVersion", st.ledgerVersion());
        }
        return n;
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return q;
        }
        for (String part : raw.split("&")) {
            int eq = part.indexOf('=');
            try {
                String k = java.net.URLDecoder.decode(eq < 0 ? part : part.substring(0, eq), StandardCharsets.UTF_8);
                String v = eq < 0 ? "" : java.net.URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
                q.put(k, v);
            } catch (IllegalArgumentException badEscape) {
                throw new ApiError(400, "invalid_query", "the query string has a malformed %-escape: '"
                        + (part.length() > 80 ? part.substring(0, 80) + "..." : part) + "'");
            }
        }
        return q;
    }

    private static int intParam(Map<String, String> q, String name, int dflt, int min, int max) {
        String v = q.get(name);
        if (v == null) {
            return dflt;
        }
        try {
            int n = Integer.parseInt(v);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new ApiError(400, "invalid_" + name, "'" + name + "' must be a whole number from " + min + " to " + max
                + ", got '" + v + "'");
    }

    private Response redrive(String id) {
        boolean ok = app.pipeline().deadLetters().redrive(id);
        if (!ok && app.pipeline().deadLetters().get(id).isEmpty()) {
            throw new ApiError(404, "not_found", "no dead letter with id '" + id + "'");
        }
        return Response.json(ok ? 200 : 409, JsonCodec.object().put("redriven", ok).put("id", id)
                .put("message", ok ? "delivered" : "the target failed again; the letter stays"));
    }

    private Response redriveAll() {
        long before = app.pipeline().deadLetters().count();
        int ok = app.pipeline().deadLetters().redriveAll(null);
        return Response.json(200, JsonCodec.object().put("redriven", ok).put("remaining", before - ok));
    }

    private Response chaos(HttpExchange x) throws IOException {
        JsonNode body = body(x);
        JsonNode on = body.get("on");
        if (on == null || !on.isBoolean()) {
            throw new ApiError(400, "invalid_on", "field 'on' must be true or false, e.g. {\"on\": true}");
        }
        Chaos chaos = on.booleanValue() ? Chaos.typical() : Chaos.NONE;
        app.pipeline().chaos(chaos);
        return pipeline();
    }

    // --- input -----------------------------------------------------------------------------------

    private static String id(String raw) {
        String id;
        try {
            id = java.net.URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException badEscape) {
            throw new ApiError(400, "invalid_id", "field 'id' is not a valid URL path segment: '" + raw + "'");
        }
        if (!ID.matcher(id).matches()) {
            throw new ApiError(400, "invalid_id", "field 'id' must be 1-64 characters of letters, digits, '_' or"
                    + " '-', got '" + (id.length() > 80 ? id.substring(0, 80) + "..." : id) + "'");
        }
        return id;
    }

    /** A name from the path (store, projection, command, dead letter id): a short plain token. */
    private static String name(String what, String raw) {
        if (!NAME.matcher(raw).matches()) {
            throw new ApiError(400, "invalid_name", "the " + what + " in the path must be 1-64 characters of letters,"
                    + " digits, '_', '.' or '-', got '" + (raw.length() > 80 ? raw.substring(0, 80) + "..." : raw) + "'");
        }
        return raw;
    }

    private EventStore<?> store(String raw) {
        String name = name("store", raw);
        EventStore<?> s = stores.get(name);
        if (s == null) {
            throw new ApiError(404, "unknown_store", "no event store '" + name + "'; this server has "
                    + stores.keySet());
        }
        return s;
    }

    /** Binds command records strictly: unknown, missing or null fields and 1.5 for a long are refused. */
    private static final com.fasterxml.jackson.databind.ObjectReader COMMANDS = JsonCodec.mapper().reader()
            .with(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .with(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .with(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_NULL_CREATOR_PROPERTIES)
            .with(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .without(com.fasterxml.jackson.databind.DeserializationFeature.ACCEPT_FLOAT_AS_INT);

    /** Request bodies: a key named twice ({"amount": 1, "amount": 500}) is refused, not "last wins". */
    private static final com.fasterxml.jackson.databind.ObjectReader REQUESTS = JsonCodec.mapper().reader()
            .with(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION);

    /** The JSON object sent, as the client wrote it; an empty body is an empty object. */
    private JsonNode bodyOrEmpty(HttpExchange x) throws IOException {
        byte[] bytes = requestBody(x);
        if (bytes.length == 0) {
            return JsonCodec.object();
        }
        try {
            // the literal as the client wrote it (1e2 stays a floating-point literal, not 100): input is
            // validated as written, not in its canonical form
            JsonNode n = REQUESTS.readTree(bytes);
            if (n == null || n.isMissingNode()) {
                return JsonCodec.object();
            }
            if (!n.isObject()) {
                throw new ApiError(400, "invalid_json", "the body must be a JSON object such as {\"amount\": 100}");
            }
            return n;
        } catch (ApiError e) {
            throw e;
        } catch (IOException e) {
            String reason = String.valueOf(e.getMessage()).split("\n")[0];
            if (reason.startsWith("Duplicate field")) {
                throw new ApiError(400, "duplicate_key", "the body names a field twice (" + reason + "): send each"
                        + " field once");
            }
            throw new ApiError(400, "invalid_json", "the body is not valid JSON (" + reason
                    + "); send e.g. {\"amount\": 100}");
        }
    }

    /** A non-empty JSON object (routes whose body is required). */
    private JsonNode body(HttpExchange x) throws IOException {
        JsonNode n = bodyOrEmpty(x);
        if (n.isEmpty()) {
            throw new ApiError(400, "invalid_json", "the request body is empty; send JSON such as {\"on\": true}");
        }
        return n;
    }

    private static long head(EventStore<?> store, String id) {
        List<RecordedEvent> last = store.read(id, ReadOptions.latest(1));
        return last.isEmpty() ? 0 : last.get(0).version();
    }

    private static Response written(String id, long version) {
        return Response.json(200, JsonCodec.object().put("aggregateId", id).put("version", version));
    }

    private static Response error(int status, String code, String message) {
        return Response.json(status, JsonCodec.object().put("error", code).put("message", message));
    }

    private static Response file(String name, String type) throws IOException {
        try (InputStream in = HttpApi.class.getResourceAsStream("/dev/tally/server/web/" + name)) {
            if (in == null) {
                throw new ApiError(404, "not_found", "no file " + name);
            }
            return new Response(200, type, in.readAllBytes());
        }
    }

    @Override
    public void close() {
        // stop accepting, let requests in flight finish (a command that was appended gets its answer)
        server.stop(2);
        workers.shutdown();
        try {
            if (!workers.awaitTermination(3, java.util.concurrent.TimeUnit.SECONDS)) {
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            workers.shutdownNow();
        }
        threads.shutdown();
        try {
            if (!threads.awaitTermination(3, java.util.concurrent.TimeUnit.SECONDS)) {
                threads.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            threads.shutdownNow();
        }
    }
}
