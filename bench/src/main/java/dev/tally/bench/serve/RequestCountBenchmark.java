package dev.tally.bench.serve;

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
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a credit costs DynamoDB Local under {@code tally serve} (the packaged jar, the bank app, a
 * data directory), counted from the SDK's request headers: the server runs with the Apache 5 HTTP
 * client and its header log at debug, and every {@code X-Amz-Target} it sends is counted per
 * operation. First an idle window (the pollers' own requests), then credits sent one at a time
 * (each answered before the next), then the same settling time; the per-credit figure is the
 * credit window's count less the idle rate over the same time, divided by the credits.
 *
 * <p>{@code --accounts N} spreads the credits over N accounts drawn at random (the load benchmark
 * uses 2,000, so most credits find their account outside the aggregate cache); {@code --warmup N}
 * sends N credits first, so the JIT has compiled the paths. The server's CPU per credit (its JVM's
 * CPU time in the credits' window less the idle rate) is printed too.
 *
 * <pre>
 * java -cp bench/target/tally-bench.jar dev.tally.bench.serve.RequestCountBenchmark \
 *      [--jar tally-cli/target/tally.jar] [--credits 100] [--idle-seconds 10] [--accounts 10] [--warmup 5]
 * </pre>
 */
public final class RequestCountBenchmark {
    private static final Pattern SERVING = Pattern.compile("Tally is serving on (https?://\\S+)");
    private static final Pattern TARGET = Pattern.compile(">> X-Amz-Target: (\\S+)");

    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        String jar = args.string("jar", "tally-cli/target/tally.jar");
        String app = args.string("apps", "examples/bank/target/tally-example-bank.jar");
        int credits = args.integer("credits", 100);
        int idleSeconds = args.integer("idle-seconds", 10);
        int accounts = args.integer("accounts", 10);
        int warmup = args.integer("warmup", 5);
        Path data = Files.createTempDirectory("tally-request-count");
        Path log = data.resolveSibling(data.getFileName() + ".log");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dtally.http.client=apache5",
                "-Dorg.slf4j.simpleLogger.log.org.apache.hc.client5.http.headers=debug",
                "-jar", jar, "serve", "--port", "0", "--data", data.toString()));
        for (String a : app.split(",")) {
            command.add("--app");
            command.add(a);
        }
        Process server = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            URI url = awaitServing(server, log);
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            say("request count: " + jar + ", " + credits + " credits one at a time, idle window " + idleSeconds + " s");
            credit(http, url, "warm-up", warmup, accounts); // first requests create clients and connections
            Thread.sleep(3000);
            Map<String, Long> idleStart = count(log);
            ServerCpu cpuIdle = ServerCpu.of(server.toHandle(), data);
            long idleNanos = sleepSeconds(idleSeconds);
            Map<String, Long> idleEnd = count(log);
            ServerCpu cpuStart = ServerCpu.of(server.toHandle(), data);
            String load = ServerCpu.loadAverage();
            long start = System.nanoTime();
            credit(http, url, "counted", credits, accounts);
            Thread.sleep(3000);
            long busyNanos = System.nanoTime() - start;
            Map<String, Long> busyEnd = count(log);
            ServerCpu cpuEnd = ServerCpu.of(server.toHandle(), data);
            double idleCpuRate = (cpuStart.jvm().toNanos() - cpuIdle.jvm().toNanos()) / (double) idleNanos;
            double cpuPerCredit = (cpuEnd.jvm().toNanos() - cpuStart.jvm().toNanos() - idleCpuRate * busyNanos) / 1e6
                    / credits;
            say(String.format(java.util.Locale.ROOT, "server CPU per credit %.2f ms (idle %.0f ms/s); load average %s -> %s",
                    cpuPerCredit, idleCpuRate * 1e3, load, ServerCpu.loadAverage()));
            say(String.format(java.util.Locale.ROOT, "%-40s %10s %10s %12s", "operation", "idle /s", "in window",
                    "per credit"));
            for (String op : busyEnd.keySet()) {
                double idleRate = (idleEnd.getOrDefault(op, 0L) - idleStart.getOrDefault(op, 0L)) / (idleNanos / 1e9);
                long inWindow = busyEnd.get(op) - idleEnd.getOrDefault(op, 0L);
                double perCredit = (inWindow - idleRate * busyNanos / 1e9) / credits;
                say(String.format(java.util.Locale.ROOT, "%-40s %10.1f %10d %12.2f", op, idleRate, inWindow, perCredit));
            }
        } finally {
            server.destroy();
            if (!server.waitFor(60, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
        System.exit(0);
    }

    private static long sleepSeconds(int seconds) throws InterruptedException {
        long start = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        return System.nanoTime() - start;
    }

    private static void credit(HttpClient http, URI url, String account, int n, int accounts) throws Exception {
        for (int i = 0; i < n; i++) {
            int which = accounts == 10 ? i % 10 : java.util.concurrent.ThreadLocalRandom.current().nextInt(accounts);
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(url.resolve("/api/accounts/" + account + "-"
                            + which + "/credit")).header("Content-Type", "application/json")
                    .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString("{\"amount\": 1}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 != 2) {
                throw new IllegalStateException("credit answered " + r.statusCode() + ": " + r.body());
            }
        }
    }

    private static Map<String, Long> count(Path log) throws IOException {
        Map<String, Long> counts = new TreeMap<>();
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            Matcher m = TARGET.matcher(line);
            if (m.find()) {
                counts.merge(m.group(1), 1L, Long::sum);
            }
        }
        return counts;
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
