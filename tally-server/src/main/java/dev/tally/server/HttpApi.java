package dev.tally.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.tally.http.ApiError;
import dev.tally.http.HttpRequest;
import dev.tally.http.HttpResponse;
import dev.tally.http.Requests;
import dev.tally.http.Route;
import dev.tally.http.TallyHttp;
import dev.tally.local.LoopbackHttp;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API (JSON) and the dashboard on the JDK's built-in server: the listener of a
 * {@link TallyServer}. The routes are the {@link TallyHttp} contract's (the apps' own, stores and
 * commands, views) then the server's own ({@link PipelineRoutes}, {@link WebRoutes}):
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
 * GET  /api/events?type=&correlationId=&since=&until=[&limit=N&cursor=C]  -> events across stores (EventRoutes)
 * GET  /api/trace/{correlationId}[?format=text]   -> the causal tree of one request, every store and saga
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
public final class HttpApi implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
    private static final int MAX_BODY = Requests.MAX_BODY;
    /** Threads that read requests (headers and body) and wait for a worker. */
    public static final int IO_THREADS = 256;
    /** A request not read completely within this many seconds has its connection closed. */
    public static final int READ_DEADLINE_SECONDS = 10;
    /** Default number of requests run at once. */
    public static final int DEFAULT_WORKERS = 64;
    /** Default number of read requests that may wait for a worker before 503. */
    public static final int DEFAULT_MAX_QUEUED = 1024;

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

    private final HttpServer server;
    private final boolean https;
    private final RequestGuard guard;
    /** Run routes: at most {@code workers} at once, at most {@code maxQueued} read requests waiting. */
    private final ThreadPoolExecutor workers;
    private final ExecutorService threads;
    private final TallyHttp contract;
    private final List<Route> routes = new ArrayList<>();

    private HttpApi(TallyServer app, TallyHttp contract, Options options) {
        this.contract = contract;
        routes.addAll(contract.routes());
        routes.addAll(new PipelineRoutes(app).routes());
        PipelineQueries.of(app.engine().pipeline()).ifPresent(q ->
                routes.addAll(new dev.tally.http.EventRoutes(q, app.stores()).routes()));
        routes.addAll(new WebRoutes(app.telemetry()).routes());
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

    static HttpApi start(TallyServer app, TallyHttp contract, Options options) {
        return new HttpApi(app, contract, options);
    }

    URI url() {
        String host = server.getAddress().getAddress().getHostAddress();
        return URI.create((https ? "https://" : "http://") + (host.contains(":") ? "[" + host + "]" : host) + ":"
                + server.getAddress().getPort());
    }

    /**
     * On an I/O thread: the guard, then the whole request is read, which stops the JDK server's
     * read deadline; then a worker runs it, or, when every worker is busy and the queue is full,
     * 503 at once. I/O threads never wait for a worker, so a request that arrived in time is never
     * cut off by the read deadline while it waits its turn.
     */
    private void dispatch(HttpExchange x) {
        byte[] raw;
        try {
            // Host, Origin and token first: a replay under an Idempotency-Key is an answer like any other
            guard.check(x);
            try (InputStream in = x.getRequestBody()) {
                raw = in.readNBytes(MAX_BODY + 1); // more is refused by the route (413)
            }
        } catch (ApiError e) {
            send(x, e.response());
            return;
        } catch (IOException e) {
            LOG.debug("{} {}: request not read: {}", x.getRequestMethod(), x.getRequestURI().getRawPath(), e.toString());
            x.close();
            return;
        } catch (Exception | StackOverflowError e) {
            send(x, TallyHttp.internal(request(x, new byte[0]), e));
            return;
        }
        try {
            workers.execute(() -> run(x, raw));
        } catch (java.util.concurrent.RejectedExecutionException full) {
            send(x, HttpResponse.error(503, "overloaded", "the server is at its limit of requests in progress and"
                    + " waiting; nothing was done: retry after the number of seconds in Retry-After")
                    .withHeader("Retry-After", "1"));
        }
    }

    private static HttpRequest request(HttpExchange x, byte[] body) {
        return new HttpRequest(x.getRequestMethod(), x.getRequestURI().getRawPath(), x.getRequestURI().getRawQuery(),
                x.getRequestHeaders(), body);
    }

    /** On a worker: the correlation and span, then the contract (idempotency key, route, answer). */
    private void run(HttpExchange x, byte[] body) {
        HttpRequest request = request(x, body);
        HttpResponse r;
        RequestTelemetry telemetry = null;
        try {
            // on the thread that runs the route: the correlation and the span are this thread's
            telemetry = RequestTelemetry.start(x); // X-Correlation-Id in and out, the request's span
            r = contract.answer(request, routes, RequestGuard::requireJson);
        } catch (ApiError e) {
            r = e.response();
        } catch (Exception | StackOverflowError e) {
            r = TallyHttp.internal(request, e);
        }
        try {
            send(x, r);
        } finally {
            if (telemetry != null) {
                telemetry.status(r.status());
                telemetry.close();
            }
        }
    }

    private static void send(HttpExchange x, HttpResponse r) {
        boolean head = "HEAD".equals(x.getRequestMethod());
        try (x) {
            for (Map.Entry<String, String> h : r.headers().entrySet()) {
                x.getResponseHeaders().set(h.getKey(), h.getValue());
            }
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

    @Override
    public void close() {
        // stop accepting, let requests in flight finish (a command that was appended gets its answer)
        server.stop(2);
        workers.shutdown();
        try {
            if (!workers.awaitTermination(3, TimeUnit.SECONDS)) {
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            workers.shutdownNow();
        }
        threads.shutdown();
        try {
            if (!threads.awaitTermination(3, TimeUnit.SECONDS)) {
                threads.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            threads.shutdownNow();
        }
    }
}
