package dev.tally.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.json.JsonCodec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Clients that send commands to a running {@code tally serve} until it dies under them, and keep
 * what it acknowledged: each HTTP 200 with its aggregate id, version and the body sent. An ack is
 * a promise that survives a kill -9, so after a restart each one must be in the ledger at its
 * version with that payload. Also: the embedded PostgreSQL's postmaster of a data directory.
 */
final class AckedCommands {
    record Ack(String id, long version, String body) {
    }

    private final Queue<Ack> acked = new ConcurrentLinkedQueue<>();
    private final List<Thread> clients = new ArrayList<>();
    private volatile boolean stopped;

    /**
     * Starts {@code threads} clients posting to {@code path.apply(id)} the body {@code body.apply(id, n)}
     * (n counts up per client, so bodies can be told apart) for ids picked from {@code ids}.
     */
    AckedCommands start(URI base, int threads, List<String> ids, Function<String, String> path,
                        BiFunction<String, Long, String> body) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        for (int t = 0; t < threads; t++) {
            long first = t * 1_000_000L;
            Thread c = new Thread(() -> {
                long n = first;
                while (!stopped) {
                    String id = ids.get(ThreadLocalRandom.current().nextInt(ids.size()));
                    String sent = body.apply(id, ++n);
                    try {
                        HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve(path.apply(id)))
                                .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(sent)).build(),
                                HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() == 200) {
                            acked.add(new Ack(id, JsonCodec.parse(r.body()).get("version").asLong(), sent));
                        }
                    } catch (Exception e) {
                        pause(); // the server is down or dying: what it did not acknowledge promises nothing
                    }
                }
            }, "acked-client-" + t);
            c.setDaemon(true);
            c.start();
            clients.add(c);
        }
        return this;
    }

    /** Stops the clients; the acknowledgements so far. */
    List<Ack> stop() throws InterruptedException {
        stopped = true;
        for (Thread c : clients) {
            c.join(15_000);
        }
        return List.copyOf(acked);
    }

    int count() {
        return acked.size();
    }

    /**
     * The problems of the acknowledgements against the ledger as the server serves it now (the
     * generic events route): each acknowledged version must hold an event whose payload has every
     * field of the body that was sent, with the same value.
     */
    static List<String> missing(Http http, String store, List<Ack> acks) throws Exception {
        List<String> problems = new ArrayList<>();
        Map<String, Map<Long, JsonNode>> ledger = new HashMap<>();
        for (Ack a : acks) {
            Map<Long, JsonNode> events = ledger.get(a.id());
            if (events == null) {
                events = events(http, store, a.id());
                ledger.put(a.id(), events);
            }
            JsonNode payload = events.get(a.version());
            if (payload == null) {
                problems.add(a + ": no event at that version (the stream ends at v" + events.size() + ")");
                continue;
            }
            JsonCodec.parse(a.body()).fields().forEachRemaining(f -> {
                if (!f.getValue().equals(payload.get(f.getKey()))) {
                    problems.add(a + ": the event at that version has payload " + payload);
                }
            });
        }
        return problems;
    }

    /** Every event's payload of a stream, by version, through the generic events route. */
    static Map<Long, JsonNode> events(Http http, String store, String id) throws Exception {
        Map<Long, JsonNode> out = new HashMap<>();
        String cursor = "1";
        while (cursor != null) {
            Http.Answer page = http.get("/api/stores/" + store + "/" + id + "/events?cursor=" + cursor);
            if (page.status() != 200) {
                throw new AssertionError("reading " + store + "/" + id + ": " + page.statusAndBody());
            }
            page.json().get("events").forEach(e -> out.put(e.get("version").asLong(), e.get("payload")));
            JsonNode next = page.json().get("nextCursor");
            cursor = next == null || next.isNull() ? null : next.asText();
        }
        return out;
    }

    /** The pid of the embedded PostgreSQL running on data directory {@code data} of serve, if one runs. */
    static Optional<ProcessHandle> postmaster(Path data) throws Exception {
        Path pid = data.resolve("postgres/data/postmaster.pid");
        if (!Files.isRegularFile(pid)) {
            return Optional.empty();
        }
        return ProcessHandle.of(Long.parseLong(Files.readAllLines(pid).get(0).trim())).filter(ProcessHandle::isAlive);
    }

    private static void pause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
