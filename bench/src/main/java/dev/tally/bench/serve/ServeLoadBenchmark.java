package dev.tally.bench.serve;

import static dev.tally.bench.Measurements.format;
import static dev.tally.bench.Measurements.percentileMillis;
import static dev.tally.bench.Measurements.say;

import dev.tally.bench.Args;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code tally serve} as a user runs it (the packaged jar in its own JVM, the bank, counter and
 * orders apps, a data directory), driven over HTTP at fixed command rates (open loop: a credit is
 * sent every 1/rate s whether or not earlier ones were answered). Per step: the rate achieved, the
 * command latency seen by the client, and the append-to-view latency, read from the server's own
 * {@code tally_projection_lag_seconds} histogram (event timestamp to view write) as the difference
 * of its buckets before and after the step. The bucket bounds are 5, 10, 25, 50, 100, 250, 500 ms,
 * 1 s...: the share of views written within 100 ms is exact, p50/p99 are given as the bucket bound
 * they fall under.
 *
 * <pre>
 * java -cp bench/target/tally-bench.jar dev.tally.bench.serve.ServeLoadBenchmark \
 *      [--rates 100,200,300,500] [--seconds 20] [--warmup 15] [--accounts 2000] [--clients apache5,url-connection]
 *      [--engines dynamodb-local,postgres] [--closed-clients 16] [--server-jvm-options "-XX:StartFlightRecording=..."]
 *      [--warmup-clients 16]
 * </pre>
 *
 * <p>With {@code --closed-clients N}, each server also gets a closed-loop step first: N clients each
 * sending a credit as soon as the previous one was answered, for {@code --seconds}; its figure is
 * the commands accepted per second. The resident set of the server (its JVM plus the processes it
 * started, such as the embedded PostgreSQL, as proportional set sizes from {@code /proc/PID/smaps_rollup})
 * is sampled at rest after the warm-up and every second during each step (the largest is reported).
 */
public final class ServeLoadBenchmark {
    private static final Pattern SERVING = Pattern.compile("Tally is serving on (https?://\\S+)");
    private static final Pattern BUCKET = Pattern.compile(
            "^tally_projection_lag_seconds_bucket\\{(.*)\\}\\s+([0-9.eE+]+)");
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");

    /** With {@code --warmup-clients N}, the warm-up is a closed loop of N clients instead of the first rate. */
    private static int warmupClients;

    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        List<Integer> rates = args.set("rates", "100,200,300,500").stream().map(Integer::parseInt).sorted().toList();
        int seconds = args.integer("seconds", 20);
        int warmup = args.integer("warmup", 15);
        warmupClients = args.integer("warmup-clients", 0);
        int accounts = args.integer("accounts", 2000);
        String jar = args.string("jar", "tally-cli/target/tally.jar");
        String apps = args.string("apps", "examples/bank/target/tally-example-bank.jar,"
                + "examples/counter/target/tally-example-counter.jar,examples/orders/target/tally-example-orders.jar");
        List<String> clients = List.of(args.string("clients", "apache5,url-connection").split(","));
        List<String> roots = List.of(args.string("data-roots", System.getProperty("java.io.tmpdir")).split(","));
        List<String> engines = List.of(args.string("engines", "dynamodb-local").split(","));
        int closedClients = args.integer("closed-clients", 0);
        String jvmOptions = args.string("server-jvm-options", "");
        say("serve load: rates " + rates + "/s, " + seconds + " s per step after " + warmup + " s of warm-up, credits on "
                + accounts + " accounts; server HTTP clients " + clients + "; " + Runtime.getRuntime().availableProcessors()
                + " cores");
        for (String engine : engines) {
            for (String root : roots) {
                for (String client : clients) {
                    run(jar, apps, Path.of(root), client, rates, seconds, warmup, accounts, engine, closedClients,
                            jvmOptions);
                }
            }
        }
    }

    private static void run(String jar, String apps, Path root, String client, List<Integer> rates, int seconds, int warmup,
            int accounts, String engine, int closedClients, String jvmOptions) throws Exception {
        boolean inMemory = root.toString().equals("in-memory");
        Path data = inMemory ? Files.createTempDirectory("tally-serve-bench") : Files.createTempDirectory(root,
                "tally-serve-bench");
        Path log = data.resolveSibling(data.getFileName() + ".log");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String option : jvmOptions.split(" ")) {
            if (!option.isBlank()) {
                command.add(option);
            }
        }
        command.addAll(List.of("-Dtally.http.client=" + client, "-jar", jar, "serve", "--port", "0", "--engine", engine));
        command.addAll(inMemory ? List.of("--in-memory") : List.of("--data", data.toString()));
        for (String app : apps.split(",")) {
            command.add("--app");
            command.add(app);
        }
        Process server = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            URI url = awaitServing(server, log);
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            String label = engine + " " + client + " " + root;
            say("server (" + label + ") at " + url + ", data in " + data);
            if (warmupClients > 0) { // the server's JIT compiles for about a minute of load: measure after it
                Map<String, Map<Double, Double>> before = lagBuckets(http, url);
                Step w = closedLoop(http, url, warmup, warmupClients, accounts);
                say("  warm-up: " + w.accepted + " credits accepted by " + warmupClients + " closed-loop clients");
                settle(http, url, before, w.accepted, Duration.ofSeconds(120));
            } else {
                drive(http, url, warmup, rates.get(0), accounts, null);
            }
            Thread.sleep(3000);
            say(String.format(java.util.Locale.ROOT, "  %s: resident set at rest %.0f MB", label,
                    ResidentSet.megabytes(server.toHandle(), data)));
            if (closedClients > 0) {
                ResidentSet peak = ResidentSet.sample(server.toHandle(), data);
                Map<String, Map<Double, Double>> before = lagBuckets(http, url);
                ServerCpu cpu = ServerCpu.of(server.toHandle(), data);
                Duration clientBefore = ServerCpu.client();
                String load = ServerCpu.loadAverage();
                Step step = closedLoop(http, url, seconds, closedClients, accounts);
                String clientCpu = ServerCpu.clientPerCommand(clientBefore, step.accepted);
                peak.stop();
                settle(http, url, before, step.accepted, Duration.ofSeconds(120));
                Map<String, Map<Double, Double>> after = lagBuckets(http, url);
                report(label + " closed x" + closedClients, 0, seconds, step, before, after);
                say(String.format(java.util.Locale.ROOT, "  resident set under the closed loop: up to %.0f MB; %s;"
                        + " %s; load average %s -> %s", peak.maxMegabytes(), ServerCpu.of(server.toHandle(), data)
                        .perCommand(cpu, step.accepted), clientCpu, load, ServerCpu.loadAverage()));
            }
            for (int rate : rates) {
                Map<String, Map<Double, Double>> before = lagBuckets(http, url);
                ResidentSet peak = ResidentSet.sample(server.toHandle(), data);
                ServerCpu cpu = ServerCpu.of(server.toHandle(), data);
                String load = ServerCpu.loadAverage();
                Step step = drive(http, url, seconds, rate, accounts, "measured");
                peak.stop();
                settle(http, url, before, step.accepted, Duration.ofSeconds(60));
                Map<String, Map<Double, Double>> after = lagBuckets(http, url);
                report(label, rate, seconds, step, before, after);
                say(String.format(java.util.Locale.ROOT, "  resident set at %d/s: up to %.0f MB; %s; load average %s -> %s",
                        rate, peak.maxMegabytes(), ServerCpu.of(server.toHandle(), data).perCommand(cpu, step.accepted),
                        load, ServerCpu.loadAverage()));
            }
        } finally {
            server.destroy();
            if (!server.waitFor(60, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
    }

    record Step(long sent, long accepted, long refused, long failed, long[] latencies, long nanos) {
    }

    private static Step drive(HttpClient http, URI url, int seconds, int rate, int accounts, String label)
            throws InterruptedException {
        AtomicLong accepted = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicLong outstanding = new AtomicLong();
        ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
        Map<Integer, AtomicLong> statuses = new ConcurrentHashMap<>();
        Map<Integer, String> samples = new ConcurrentHashMap<>();
        long start = System.nanoTime();
        long total = (long) rate * seconds;
        long interval = 1_000_000_000L / rate;
        for (long i = 0; i < total; i++) {
            long due = start + i * interval;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            String account = "load-" + ThreadLocalRandom.current().nextInt(accounts);
            HttpRequest request = HttpRequest.newBuilder(url.resolve("/api/accounts/" + account + "/credit"))
                    .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"amount\": 1}")).build();
            long sent = System.nanoTime();
            outstanding.incrementAndGet();
            http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> {
                long took = System.nanoTime() - sent;
                if (e != null) {
                    failed.incrementAndGet();
                } else if (r.statusCode() / 100 == 2) {
                    accepted.incrementAndGet();
                    latencies.add(took);
                } else {
                    refused.incrementAndGet();
                    statuses.computeIfAbsent(r.statusCode(), k -> new AtomicLong()).incrementAndGet();
                    samples.putIfAbsent(r.statusCode(), r.body());
                }
                outstanding.decrementAndGet();
            });
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (outstanding.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        long nanos = System.nanoTime() - start;
        if (!statuses.isEmpty()) {
            say("  answers other than 2xx at " + rate + "/s: " + statuses + ", e.g. " + samples);
        }
        if (label == null) {
            say("  warm-up: " + accepted.get() + " credits accepted at " + rate + "/s");
        }
        return new Step(total, accepted.get(), refused.get(), failed.get(),
                latencies.stream().mapToLong(Long::longValue).toArray(), nanos);
    }

    /** {@code clients} threads, each sending its next credit when the previous one was answered. */
    private static Step closedLoop(HttpClient http, URI url, int seconds, int clients, int accounts) throws Exception {
        AtomicLong accepted = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            Thread t = new Thread(() -> {
                while (System.nanoTime() < end) {
                    String account = "load-" + ThreadLocalRandom.current().nextInt(accounts);
                    HttpRequest request = HttpRequest.newBuilder(url.resolve("/api/accounts/" + account + "/credit"))
                            .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                            .POST(HttpRequest.BodyPublishers.ofString("{\"amount\": 1}")).build();
                    long sent = System.nanoTime();
                    try {
                        HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() / 100 == 2) {
                            accepted.incrementAndGet();
                            latencies.add(System.nanoTime() - sent);
                        } else {
                            refused.incrementAndGet();
                        }
                    } catch (IOException | InterruptedException e) {
                        failed.incrementAndGet();
                    }
                }
            });
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join();
        }
        long nanos = System.nanoTime() - start;
        return new Step(accepted.get() + refused.get() + failed.get(), accepted.get(), refused.get(), failed.get(),
                latencies.stream().mapToLong(Long::longValue).toArray(), nanos);
    }

    /** Waits until the views have counted {@code expected} more writes than {@code before} (for the busiest view). */
    private static void settle(HttpClient http, URI url, Map<String, Map<Double, Double>> before, long expected,
            Duration bound) throws Exception {
        long deadline = System.nanoTime() + bound.toNanos();
        while (System.nanoTime() < deadline) {
            Map<String, Map<Double, Double>> now = lagBuckets(http, url);
            for (String projection : now.keySet()) {
                if (count(now.get(projection)) - count(before.getOrDefault(projection, Map.of())) >= expected) {
                    return;
                }
            }
            Thread.sleep(200);
        }
        say("  (views had not caught up " + bound.toSeconds() + " s after the step: the figures below miss the rest)");
    }

    private static double count(Map<Double, Double> buckets) {
        return buckets.getOrDefault(Double.POSITIVE_INFINITY, 0.0);
    }

    private static void report(String client, int rate, int seconds, Step step, Map<String, Map<Double, Double>> before,
            Map<String, Map<Double, Double>> after) {
        double achieved = step.accepted / (step.nanos / 1e9);
        StringBuilder line = new StringBuilder(String.format(java.util.Locale.ROOT,
                "%-24s offered %4d/s  accepted %6d (%.1f/s)  refused %d  failed %d  command p50 %s ms p99 %s ms",
                client, rate, step.accepted, achieved, step.refused, step.failed,
                format(percentileMillis(step.latencies, 50)), format(percentileMillis(step.latencies, 99))));
        for (String projection : after.keySet()) {
            Map<Double, Double> delta = new TreeMap<>();
            for (Map.Entry<Double, Double> b : after.get(projection).entrySet()) {
                delta.put(b.getKey(), b.getValue() - before.getOrDefault(projection, Map.of()).getOrDefault(b.getKey(), 0.0));
            }
            double n = delta.getOrDefault(Double.POSITIVE_INFINITY, 0.0);
            if (n < step.accepted / 2.0) {
                continue; // a view this load does not write (counter, orders)
            }
            line.append(String.format(java.util.Locale.ROOT, "  | view %s: %d writes, %.2f%% within 100 ms, p50 <= %s, p99 <= %s",
                    projection, (long) n, 100.0 * delta.getOrDefault(0.1, 0.0) / n, bound(delta, n, 0.50),
                    bound(delta, n, 0.99)));
        }
        say(line.toString());
    }

    /** The smallest bucket bound under which at least {@code share} of the writes fall. */
    private static String bound(Map<Double, Double> delta, double n, double share) {
        for (Map.Entry<Double, Double> b : delta.entrySet()) {
            if (b.getValue() >= share * n) {
                return b.getKey().isInfinite() ? "inf" : format(b.getKey() * 1000) + " ms";
            }
        }
        return "inf";
    }

    /** projection -> (upper bound in seconds -> cumulative count), from the server's /metrics. */
    private static Map<String, Map<Double, Double>> lagBuckets(HttpClient http, URI url) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(url.resolve("/metrics")).GET().build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (r.statusCode() != 200) {
            throw new IllegalStateException("GET /metrics answered " + r.statusCode() + ": " + r.body());
        }
        Map<String, Map<Double, Double>> out = new TreeMap<>();
        for (String l : r.body().split("\n")) {
            Matcher m = BUCKET.matcher(l);
            if (!m.find()) {
                continue;
            }
            String projection = null;
            Double le = null;
            Matcher label = LABEL.matcher(m.group(1));
            while (label.find()) {
                if (label.group(1).equals("projection")) {
                    projection = label.group(2);
                } else if (label.group(1).equals("le")) {
                    le = label.group(2).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(label.group(2));
                }
            }
            if (projection != null && le != null) {
                out.computeIfAbsent(projection, k -> new TreeMap<>()).put(le, Double.parseDouble(m.group(2)));
            }
        }
        return out;
    }

    private static URI awaitServing(Process server, Path log) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline && server.isAlive()) {
            Matcher m = SERVING.matcher(Files.readString(log, StandardCharsets.UTF_8));
            if (m.find()) {
                return URI.create(m.group(1));
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("tally serve did not start; its log " + log + ":\n"
                + Files.readString(log, StandardCharsets.UTF_8));
    }
}
