package dev.tally.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.tally.core.json.JsonCodec;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Crashes {@code tally serve} while clients hammer it, and checks what a crash may not break:
 *
 * <ol>
 *   <li>every acknowledged command (HTTP 200 with its version) is in the ledger exactly once, at
 *       the acknowledged version: an ack is a promise that survives SIGKILL;</li>
 *   <li>after the last restart, with no manual action (no redrive, no replay), every read model
 *       converges to the fold of its ledger within 30 seconds: an event that was written but not yet
 *       projected when the process died must still reach the views.</li>
 * </ol>
 *
 * <p>Each round starts the server on the same data directory (two rounds of every four with
 * {@code --chaos}: duplicate, reordered and delayed deliveries, on the engines that offer it), lets 16 client threads credit,
 * debit and increment for a random 1.5-4 s, then ends it at that moment with SIGKILL or SIGTERM
 * (alternating, the last one a SIGKILL: a view that missed an event is healed by the account's
 * next event, so only the last crash's losses are certain to show). Before its random time the
 * last round waits (bounded) until the restarted pipeline has worked off its backlog far enough to
 * checkpoint: on a small machine the backlog of the rounds before outlasts a round, and a crash
 * that finds nothing checkpointed tests nothing. Every amount is unique across the test, so each
 * acknowledged credit or debit can be found in the ledger by its amount. The rounds are random
 * but seeded: the seed is printed and {@code -Dcrash.seed=N} replays the same kill times.
 * {@code -Dcrash.rounds=0} runs the same clients and checks against one server that is never
 * killed (a check of the harness itself). Four rounds (the default) meet every pairing of signal and
 * chaos: SIGTERM, SIGKILL with chaos, SIGTERM with chaos, SIGKILL.
 *
 * <p>This class runs on the DynamoDB Local engine ({@code --data DIR}); {@link ServeCrashOnPostgresIT}
 * runs the same rounds and checks on {@code --engine postgres}. Two classes rather than one
 * parameterized class, so that the two halves can run in different test JVMs at the same time.
 */
class ServeCrashIT {
    private static final int CLIENTS = 16;
    private static final int ACCOUNTS = 40;
    private static final int COUNTERS = 4;
    private static final Duration CONVERGE_WITHIN = Duration.ofSeconds(30);
    /** Once the restarted pipeline reports nothing left to do, its views must agree within this. */
    private static final Duration SETTLED_CONVERGE_WITHIN = Duration.ofSeconds(10);
    /** A pipeline that has not settled by then has a problem (or the machine is far too loaded). */
    private static final Duration CONVERGE_BOUND = Duration.ofSeconds(240);
    private static final Pattern VERSIONS = Pattern.compile("view v(\\d+) vs ledger v(\\d+)");

    /** One acknowledged command: HTTP 200 {"aggregateId","version"}. */
    record Ack(String store, String id, String kind, long amount, long version, int round) {
    }

    /** The URL of the running server, null while it is down; clients read it before each request. */
    private volatile URI current;
    private volatile boolean clientsRun = true;
    private volatile int round;

    private final AtomicLong amounts = new AtomicLong(1000);
    private final ConcurrentLinkedQueue<Ack> acks = new ConcurrentLinkedQueue<>();
    /** Every amount sent, acknowledged or not, with its account: no ledger event may carry another. */
    private final Map<Long, String> sentAmounts = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(1)).build();
    private final SharedServe.Engine engine = engine();
    /** PostgreSQL engine: the projections' positions at the last poll (settled when they stop moving). */
    private String lastPositions = "";

    /** The engine the server runs on (a subclass names another). */
    SharedServe.Engine engine() {
        return SharedServe.Engine.DYNAMODB_LOCAL;
    }

    @Test
    void acknowledgedCommandsSurviveCrashesAndEveryViewCatchesUpWithItsLedger() throws Exception {
        long seed = Long.getLong("crash.seed", System.nanoTime());
        int rounds = Integer.getInteger("crash.rounds", 4);
        System.out.println("ServeCrashIT on " + engine + ": seed " + seed + " (replay with -Dcrash.seed=" + seed
                + "), rounds " + rounds);
        Random random = new Random(seed);
        Path data = Path.of("target", "crash-data-" + UUID.randomUUID());
        long began = System.nanoTime();

        List<String> problems = new ArrayList<>();
        List<String> roundLog = new ArrayList<>();
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            Thread t = new Thread(this::hammer, "crash-client-" + i);
            t.setDaemon(true);
            clients.add(t);
        }
        TallyProcess server = null;
        try {
            clients.forEach(Thread::start);
            for (round = 1; round <= rounds; round++) {
                // SIGKILL and SIGTERM alternate, the last crash before the checks being a SIGKILL;
                // chaos on two rounds of every four, so it meets both signals
                boolean sigkill = (rounds - round) % 2 == 0;
                boolean chaos = engine.offersChaos() && (round % 4 == 2 || round % 4 == 3);
                long starting = System.nanoTime();
                server = start(data, chaos, problems);
                long startMillis = (System.nanoTime() - starting) / 1_000_000;
                current = server.url();
                long hammerMillis = 1500 + random.nextInt(2501);
                int acksBefore = acks.size();
                String waited = "";
                if (round == rounds) {
                    // After a restart the stream poller first works off the backlog of the rounds
                    // before, and under this load that takes longer than a round: a crash then finds
                    // nothing checkpointed yet, and the quiet final start heals everything. The last
                    // crash must hit a pipeline that is moving (checkpointed, deliveries in flight).
                    long w = awaitPipelineMoving(server.url(), Duration.ofSeconds(20));
                    waited = w < 0 ? ", though the pipeline did not move within 20 s (this crash tests little)"
                            : ", after " + w + " ms waiting for the pipeline to move";
                }
                Thread.sleep(hammerMillis);
                String pipeline = pipelineSummary(server.url());
                int exit = sigkill ? server.kill() : server.terminate();
                current = null;
                String line = "round " + round + (chaos ? " (chaos)" : "") + ": started in " + startMillis + " ms, "
                        + hammerMillis + " ms" + waited + ", "
                        + (acks.size() - acksBefore) + " acks, then " + (sigkill ? "SIGKILL" : "SIGTERM")
                        + " -> exit " + exit + "; pipeline just before: " + pipeline + "; log " + server.log();
                roundLog.add(line);
                System.out.println(line);
                server = null;
            }
            round = rounds + 1;
            server = start(data, false, problems);
            if (rounds == 0) {
                // the harness check: the same load on one server that is never killed
                current = server.url();
                Thread.sleep(8000);
            }
            clientsRun = false;
            current = null;
            for (Thread t : clients) {
                t.join(15_000);
                if (t.isAlive()) {
                    problems.add(t.getName() + " did not stop within 15 s");
                }
            }
            outcomes.forEach((what, n) -> {
                if (what.startsWith("client-error")) {
                    problems.add(n.sum() + " answers the clients could not read: " + what);
                }
            });
            long quiet = System.nanoTime(); // the final server is up and the clients have stopped
            Map<String, Long> tally = new TreeMap<>(outcomes.entrySet().stream()
                    .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().sum())));
            System.out.println("acknowledged " + acks.size() + " commands (" + count("credit") + " credits, "
                    + count("debit") + " debits, " + count("increment") + " increments); outcomes " + tally);

            Json http = new Json(server.url());
            List<String> ledger = checkLedger(http);
            String converged = checkViewsConverge(http, quiet);
            System.out.println("checks took " + (System.nanoTime() - quiet) / 1_000_000 + " ms; whole test "
                    + (System.nanoTime() - began) / 1_000_000 + " ms");

            List<String> failures = new ArrayList<>();
            if (!ledger.isEmpty()) {
                failures.add("acknowledged commands not in the ledger exactly once (" + ledger.size() + "):\n  "
                        + String.join("\n  ", ledger.subList(0, Math.min(40, ledger.size()))));
            }
            if (converged != null) {
                failures.add(converged);
            }
            if (!problems.isEmpty()) {
                failures.add("problems along the way:\n  " + String.join("\n  ", problems));
            }
            if (!failures.isEmpty()) {
                throw new AssertionError(engine + ", seed " + seed + "\n" + String.join("\n", roundLog) + "\n\n"
                        + String.join("\n\n", failures) + "\n\nserver log tail (" + server.log() + "):\n"
                        + server.logTail(60));
            }
        } finally {
            clientsRun = false;
            current = null;
            if (server != null && server.isAlive()) {
                try {
                    server.terminate();
                } catch (Exception e) {
                    server.kill();
                }
            }
        }
    }

    /**
     * Waits, under load, until this server's pipeline has dispatched events past its backlog
     * (an invocation finished and its checkpoint was saved); bounded. Returns the millis waited,
     * -1 when it did not move in time.
     */
    private long awaitPipelineMoving(URI base, Duration atMost) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + atMost.toNanos();
        for (int i = 0; i < 1000 && System.nanoTime() < deadline; i++) {
            JsonNode p = pipeline(base);
            if (p != null && moving(p)) {
                return (System.nanoTime() - start) / 1_000_000;
            }
            Thread.sleep(250);
        }
        return -1;
    }

    /**
     * DynamoDB Local engine: the stream poller dispatched events and finished an invocation (its
     * checkpoint saved). PostgreSQL engine: a projection committed events (with its position) since
     * this start.
     */
    private static boolean moving(JsonNode p) {
        if (p.has("stream")) {
            return p.path("eventsDispatched").asLong() > 0 && p.path("stream").path("invocations").asLong() > 1;
        }
        for (JsonNode projection : p.path("projections")) {
            if (projection.path("handled").asLong() > 0) {
                return true;
            }
        }
        return false;
    }

    private JsonNode pipeline(URI base) {
        try {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(base.resolve("/api/pipeline"))
                    .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? JsonCodec.parse(r.body()) : null;
        } catch (IOException | RuntimeException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** What the pipeline did so far, in one line (best effort: the server is under load). */
    private String pipelineSummary(URI base) {
        try {
            JsonNode p = pipeline(base);
            if (p == null) {
                return "(no answer)";
            }
            if (!p.has("stream")) { // PostgreSQL engine: each projection's position in the ledger
                StringBuilder b = new StringBuilder("projections");
                p.path("projections").fields().forEachRemaining(e -> b.append(' ').append(e.getKey()).append("@")
                        .append(e.getValue().path("position")).append(" (handled ").append(e.getValue().path("handled"))
                        .append(", dead-lettered ").append(e.getValue().path("deadLettered")).append(')'));
                return b.append(", dead letters ").append(p.path("deadLetterCount")).toString();
            }
            JsonNode stream = p.path("stream");
            StringBuilder b = new StringBuilder().append("checkpoint ").append(stream.path("checkpoint").asText())
                    .append(", recordsRead ").append(stream.path("recordsRead"))
                    .append(", lag ").append(stream.path("lagMillis")).append(" ms, buffered ")
                    .append(stream.path("buffered")).append(", invocations ").append(stream.path("invocations"))
                    .append(" (failed ").append(stream.path("failedInvocations")).append(", retries ")
                    .append(stream.path("retries")).append(", last error ").append(stream.path("lastError"))
                    .append("), dispatched ").append(p.path("eventsDispatched")).append(" (failures ")
                    .append(p.path("dispatchFailures")).append("), published ").append(p.path("published"))
                    .append(" (retries ").append(p.path("publishRetries")).append("), deliveries");
            for (JsonNode t : p.path("targets")) {
                b.append(' ').append(t.path("target").asText()).append('=').append(t.path("deliveries"));
            }
            return b.append(", dead letters ").append(p.path("deadLetters")).toString();
        } catch (Exception e) {
            return "(no answer: " + e + ")";
        }
    }

    private long count(String kind) {
        return acks.stream().filter(a -> a.kind().equals(kind)).count();
    }

    /** Starts the server; a failed start is a problem to report, and is tried once more. */
    private TallyProcess start(Path data, boolean chaos, List<String> problems) throws Exception {
        String[] extra = chaos ? new String[] {"--chaos"} : new String[0];
        try {
            return engine.serve(data, extra);
        } catch (IllegalStateException e) {
            problems.add("a start failed (tried again): " + e.getMessage());
            return engine.serve(data, extra);
        }
    }

    // --- the clients -----------------------------------------------------------------------------

    private void hammer() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (clientsRun) {
            URI base = current;
            if (base == null) {
                pause(20);
                continue;
            }
            int op = random.nextInt(100);
            try {
                if (op < 65) {
                    money(base, "acct-" + random.nextInt(ACCOUNTS), "credit");
                } else if (op < 80) {
                    money(base, "acct-" + random.nextInt(ACCOUNTS), "debit");
                } else {
                    increment(base, "ctr-" + random.nextInt(COUNTERS));
                }
            } catch (HttpTimeoutException e) {
                outcome("timeout");
            } catch (ConnectException e) {
                outcome("connection refused");
                pause(25); // the server is going or gone; the main thread will publish the next URL
            } catch (IOException e) {
                outcome("io-error " + e.getClass().getSimpleName());
                pause(25);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                outcome("client-error " + e.getClass().getSimpleName());
            }
        }
    }

    private void money(URI base, String id, String kind) throws IOException, InterruptedException {
        long amount = amounts.incrementAndGet();
        sentAmounts.put(amount, id);
        HttpResponse<String> r = client.send(post(base, "/api/accounts/" + id + "/" + kind,
                "{\"amount\": " + amount + "}"), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
            acks.add(new Ack("bank-account", id, kind, amount, version(r, id), round));
        }
        outcome(kind + " " + r.statusCode());
    }

    private void increment(URI base, String id) throws IOException, InterruptedException {
        HttpResponse<String> r = client.send(post(base, "/api/counters/" + id + "/increment", null),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
            acks.add(new Ack("counter", id, "increment", 0, version(r, id), round));
        }
        outcome("increment " + r.statusCode());
    }

    private static long version(HttpResponse<String> r, String id) {
        JsonNode body = JsonCodec.parse(r.body());
        if (!id.equals(body.path("aggregateId").asText()) || !body.path("version").canConvertToLong()
                || body.path("version").asLong() < 1) {
            throw new IllegalStateException("a 200 without {aggregateId, version} for " + id + ": " + r.body());
        }
        return body.get("version").asLong();
    }

    private static HttpRequest post(URI base, String path, String body) {
        return HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(5))
                .header("Content-Type", "application/json")
                .POST(body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    private void outcome(String what) {
        outcomes.computeIfAbsent(what, k -> new LongAdder()).increment();
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // --- check 1: every acknowledged command is in the ledger exactly once ---------------------

    private List<String> checkLedger(Json http) throws Exception {
        List<String> wrong = new ArrayList<>();
        Map<String, List<Ack>> byAccount = new TreeMap<>();
        Map<String, List<Ack>> byCounter = new TreeMap<>();
        for (Ack a : acks) {
            (a.store().equals("counter") ? byCounter : byAccount)
                    .computeIfAbsent(a.id(), k -> new ArrayList<>()).add(a);
        }
        Map<Long, Integer> seen = new HashMap<>();
        long events = 0;
        for (int i = 0; i < ACCOUNTS; i++) {
            String id = "acct-" + i;
            Json.Answer r = http.get("/api/stores/bank-account/" + id + "/events");
            if (r.status() != 200) {
                wrong.add(id + ": GET events answered " + r.status() + " " + r.json());
                continue;
            }
            // amount -> the events carrying it
            Map<Long, List<JsonNode>> byAmount = new HashMap<>();
            long expectedVersion = 1;
            for (JsonNode e : r.json().get("events")) {
                events++;
                long version = e.get("version").asLong();
                if (version != expectedVersion) {
                    wrong.add(id + ": the ledger skips from version " + (expectedVersion - 1) + " to " + version);
                }
                expectedVersion = version + 1;
                if (!e.get("type").asText().equals("Credited") && !e.get("type").asText().equals("Debited")) {
                    continue; // e.g. a replay marker
                }
                long amount = e.get("payload").get("amount").asLong();
                byAmount.computeIfAbsent(amount, k -> new ArrayList<>()).add(e);
                seen.merge(amount, 1, Integer::sum);
                if (!id.equals(sentAmounts.get(amount))) {
                    wrong.add(id + " v" + version + ": amount " + amount + " was never sent to this account (sent to "
                            + sentAmounts.get(amount) + ")");
                }
            }
            for (Ack a : byAccount.getOrDefault(id, List.of())) {
                List<JsonNode> found = byAmount.getOrDefault(a.amount(), List.of());
                String type = a.kind().equals("credit") ? "Credited" : "Debited";
                if (found.size() != 1) {
                    wrong.add(id + ": acknowledged " + a.kind() + " of " + a.amount() + " at v" + a.version()
                            + " (round " + a.round() + ") is in the ledger " + found.size() + " times");
                } else if (found.get(0).get("version").asLong() != a.version()
                        || !found.get(0).get("type").asText().equals(type)) {
                    wrong.add(id + ": acknowledged " + a.kind() + " of " + a.amount() + " at v" + a.version()
                            + " (round " + a.round() + ") is in the ledger as " + found.get(0).get("type").asText()
                            + " at v" + found.get(0).get("version").asLong());
                }
            }
        }
        seen.forEach((amount, times) -> {
            if (times > 1) {
                wrong.add("amount " + amount + " (sent once) is in the ledger " + times + " times");
            }
        });
        for (int i = 0; i < COUNTERS; i++) {
            String id = "ctr-" + i;
            List<Ack> acked = byCounter.getOrDefault(id, List.of());
            Json.Answer r = http.get("/api/stores/counter/" + id + "/aggregate");
            long head = r.status() == 200 ? r.json().get("version").asLong() : 0;
            if (r.status() != 200 && r.status() != 404) {
                wrong.add(id + ": GET aggregate answered " + r.status() + " " + r.json());
            }
            Set<Long> versions = new HashSet<>();
            for (Ack a : acked) {
                if (!versions.add(a.version())) {
                    wrong.add(id + ": version " + a.version() + " was acknowledged twice");
                }
                if (a.version() > head) {
                    wrong.add(id + ": acknowledged v" + a.version() + " (round " + a.round()
                            + ") is beyond the ledger head v" + head);
                }
            }
        }
        System.out.println("ledger: " + events + " bank events over " + ACCOUNTS + " accounts; "
                + (wrong.isEmpty() ? "every acknowledged command is there exactly once" : wrong.size() + " wrong"));
        return wrong;
    }

    // --- check 2: every view converges to the fold of its ledger -------------------------------

    /**
     * Null when every view equals its ledger's fold within the time (counted from {@code start}:
     * the final server up, the clients stopped); else what stayed behind.
     */
    private String checkViewsConverge(Json http, long start) throws Exception {
        long deadline = start + CONVERGE_WITHIN.toNanos();
        long settledAt = 0;
        List<String> behind = List.of();
        int polls = 0;
        while (polls < 1000) {
            polls++;
            behind = viewsBehind(http);
            System.out.println("views: poll " + polls + " at " + (System.nanoTime() - start) / 1_000_000 + " ms: "
                    + behind.size() + " differ");
            if (behind.isEmpty()) {
                System.out.println("views: all equal the ledger's fold after " + (System.nanoTime() - start) / 1_000_000
                        + " ms (" + polls + " polls)");
                return null;
            }
            if (System.nanoTime() > deadline) {
                // On a loaded machine the restarted pipeline may still be catching up (recovered
                // deliveries, the start-up check's repairs): the views must converge once it has
                // finished its work, so the clock restarts when it reports itself settled. A pipeline
                // that never settles fails at the outer bound.
                if (settledAt == 0 && settled(http.get("/api/pipeline").json())) {
                    settledAt = System.nanoTime();
                    deadline = settledAt + SETTLED_CONVERGE_WITHIN.toNanos();
                    System.out.println("views: pipeline settled at " + (settledAt - start) / 1_000_000 + " ms");
                    continue;
                }
                if (settledAt != 0 || System.nanoTime() > start + CONVERGE_BOUND.toNanos()) {
                    break;
                }
            }
            Thread.sleep(500);
        }
        String pipeline = http.get("/api/pipeline").json().toString();
        behind = viewsBehind(http); // as of after that status, so the two agree
        long versionsBehind = 0;
        long most = 0;
        for (String b : behind) {
            Matcher m = VERSIONS.matcher(b);
            if (m.find()) {
                long gap = Long.parseLong(m.group(2)) - Long.parseLong(m.group(1));
                versionsBehind += gap;
                most = Math.max(most, gap);
            }
        }
        String report = behind.size() + " of " + (ACCOUNTS + COUNTERS) + " views still differ from the fold of their"
                + " ledger " + CONVERGE_WITHIN.toSeconds() + " s after the last restart"
                + (settledAt == 0 ? " (the pipeline never reported itself settled within " + CONVERGE_BOUND.toSeconds()
                + " s)" : " and " + SETTLED_CONVERGE_WITHIN.toSeconds() + " s after its pipeline settled")
                + " (no redrive, no replay);"
                + " together " + versionsBehind + " versions behind, at most " + most + ":\n  "
                + String.join("\n  ", behind) + "\n/api/pipeline: " + pipeline;
        System.out.println(report);
        return report;
    }

    /**
     * Nothing left to do. DynamoDB Local engine: the stream read to its end, no delivery pending, the
     * start-up check done. PostgreSQL engine (views commit with their position, no stream or
     * deliveries between): the start-up check done, every projection alive, and no position moved
     * since the previous poll (the clients have stopped).
     */
    private boolean settled(JsonNode pipeline) {
        if (!pipeline.has("stream")) {
            StringBuilder positions = new StringBuilder();
            boolean alive = true;
            for (JsonNode projection : pipeline.path("projections")) {
                positions.append(projection.path("position").asText()).append(' ');
                alive &= projection.path("alive").asBoolean();
            }
            boolean still = positions.toString().equals(lastPositions);
            lastPositions = positions.toString();
            return still && alive && "done".equals(pipeline.path("startupCheck").path("state").asText());
        }
        JsonNode stream = pipeline.path("stream");
        return stream.path("lagMillis").asLong(-1) == 0 && stream.path("buffered").asLong(-1) == 0
                && pipeline.path("pendingDeliveries").asLong(-1) == 0
                && "done".equals(pipeline.path("startupCheck").path("state").asText());
    }

    private List<String> viewsBehind(Json http) throws Exception {
        List<String> behind = new ArrayList<>();
        for (int i = 0; i < ACCOUNTS; i++) {
            String id = "acct-" + i;
            Json.Answer fold = http.get("/api/stores/bank-account/" + id + "/aggregate");
            Json.Answer view = http.get("/api/accounts/" + id);
            if (fold.status() == 404 && view.status() == 404) {
                continue; // never credited
            }
            if (fold.status() != 200 || view.status() != 200) {
                behind.add(id + ": aggregate answered " + fold.status() + ", view " + view.status() + " "
                        + view.json());
                continue;
            }
            JsonNode state = fold.json().get("state");
            JsonNode v = view.json();
            List<String> diff = new ArrayList<>();
            compare(diff, "version", fold.json().get("version"), v.get("version"));
            compare(diff, "balance", state.get("balance"), v.get("balance"));
            compare(diff, "lastTransaction", state.get("lastTransaction"), v.get("lastTransaction"));
            compare(diff, "lastMonthBalance", state.get("lastMonthBalance"), v.get("lastMonthBalance"));
            if (!diff.isEmpty()) {
                behind.add(id + ": view v" + v.get("version").asLong() + " vs ledger v"
                        + fold.json().get("version").asLong() + " (" + String.join("; ", diff) + ")");
            }
        }
        for (int i = 0; i < COUNTERS; i++) {
            String id = "ctr-" + i;
            Json.Answer fold = http.get("/api/stores/counter/" + id + "/aggregate");
            Json.Answer view = http.get("/api/counters/" + id);
            if (fold.status() == 404 && view.status() == 404) {
                continue;
            }
            if (fold.status() != 200 || view.status() != 200) {
                behind.add(id + ": aggregate answered " + fold.status() + ", view " + view.status() + " "
                        + view.json());
                continue;
            }
            List<String> diff = new ArrayList<>();
            compare(diff, "version", fold.json().get("version"), view.json().get("version"));
            compare(diff, "count", fold.json().get("state").get("count"), view.json().get("count"));
            if (!diff.isEmpty()) {
                behind.add(id + ": view v" + view.json().get("version").asLong() + " vs ledger v"
                        + fold.json().get("version").asLong() + " (" + String.join("; ", diff) + ")");
            }
        }
        return behind;
    }

    private static void compare(List<String> diff, String field, JsonNode ledger, JsonNode view) {
        if (!Objects.equals(normalise(ledger), normalise(view))) {
            diff.add(field + " " + view + " vs " + ledger);
        }
    }

    /** A missing field and a JSON null mean the same: nothing yet. */
    private static JsonNode normalise(JsonNode n) {
        return n == null || n.isMissingNode() ? NullNode.getInstance() : n;
    }

    /** A JSON client for the checks, with patient timeouts (the server is not being killed then). */
    private static final class Json {
        record Answer(int status, JsonNode json) {
        }

        private final URI base;
        private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();

        Json(URI base) {
            this.base = base;
        }

        Answer get(String path) throws Exception {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(base.resolve(path))
                    .timeout(Duration.ofSeconds(20)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.body().isEmpty() ? JsonCodec.object() : JsonCodec.parse(r.body()));
        }
    }
}
