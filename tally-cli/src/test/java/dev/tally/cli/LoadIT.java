package dev.tally.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.server.HttpApi;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code tally serve} under load, against the packaged jar: a full wait queue answers 503 with
 * Retry-After and does nothing; clients that trickle their request hold no worker, and the server
 * closes them after its read deadline.
 */
class LoadIT {

    @Test
    void aFullQueueAnswers503WithRetryAfterAndDoesNothing() throws Exception {
        try (TallyProcess tally = TallyProcess.serve("--in-memory", "--port", "0", "--workers", "1",
                "--max-queued", "1")) {
            Http http = new Http(tally.url());
            List<CompletableFuture<Http.Answer>> burst = new ArrayList<>();
            for (int i = 0; i < 80; i++) {
                burst.add(http.postAsync("/api/counters/burst/increment", "{}"));
            }
            Map<Integer, Integer> statuses = new TreeMap<>();
            for (CompletableFuture<Http.Answer> f : burst) {
                Http.Answer a = f.get(2, TimeUnit.MINUTES);
                statuses.merge(a.status(), 1, Integer::sum);
                if (a.status() == 503) {
                    assertThat(a.headers().firstValue("Retry-After")).hasValue("1");
                    assertThat(a.json().get("error").asText()).isEqualTo("overloaded");
                    assertThat(a.message()).contains("nothing was done");
                }
            }
            assertThat(statuses.keySet()).as("statuses %s", statuses).containsOnly(200, 503);
            assertThat(statuses.get(503)).as("statuses %s", statuses).isPositive();
            long ok = statuses.getOrDefault(200, 0);
            assertThat(http.get("/api/stores/counter/burst/aggregate").json().get("version").asLong())
                    .as("each 200 appended once, each 503 nothing").isEqualTo(ok);
            assertThat(http.post("/api/counters/burst/increment", "{}").status()).as("after the burst").isEqualTo(200);
        }
    }

    @Test
    void aHundredSlowClientsDoNotDelayANormalRequestAndAreCutOffAtTheReadDeadline() throws Exception {
        try (TallyProcess tally = TallyProcess.serve("--in-memory", "--port", "0")) {
            URI url = tally.url();
            Http http = new Http(url);
            List<Socket> slow = new ArrayList<>();
            long opened = System.nanoTime();
            long allClosedMillis = -1;
            try {
                for (int i = 0; i < 100; i++) {
                    Socket s = new Socket();
                    s.connect(new InetSocketAddress(url.getHost(), url.getPort()), 5000);
                    s.setSoTimeout(1);
                    s.getOutputStream().write(("POST /api/counters/slow-" + i + "/increment HTTP/1.1\r\nHost: "
                            + url.getHost() + ":" + url.getPort() + "\r\nContent-Type: application/json\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    slow.add(s);
                }
                long start = System.nanoTime();
                int closedByServer = 0;
                boolean answered = false;
                long answeredMillis = -1;
                CompletableFuture<Http.Answer> normal = null;
                java.util.concurrent.atomic.AtomicLong answeredAt = new java.util.concurrent.atomic.AtomicLong();
                // trickle one header byte per connection every 500 ms, for at most 25 s
                for (int tick = 0; tick < 50 && closedByServer < slow.size(); tick++) {
                    closedByServer = 0;
                    for (Socket s : slow) {
                        if (!trickle(s)) {
                            closedByServer++;
                        }
                    }
                    if (tick == 2) {
                        start = System.nanoTime();
                        normal = http.postAsync("/api/counters/normal/increment", "{}")
                                .whenComplete((a, e) -> answeredAt.set(System.nanoTime()));
                    }
                    if (closedByServer == slow.size()) {
                        allClosedMillis = (System.nanoTime() - opened) / 1_000_000;
                    }
                    if (normal != null && !answered && normal.isDone()) {
                        answered = true;
                        answeredMillis = (answeredAt.get() - start) / 1_000_000;
                        assertThat(normal.get().status()).isEqualTo(200);
                    }
                    Thread.sleep(500);
                }
                if (!answered && normal != null) {
                    normal.get(1, TimeUnit.SECONDS); // fails the test with a timeout
                    answeredMillis = (answeredAt.get() - start) / 1_000_000;
                }
                System.out.printf("normal request answered after %d ms with 100 slow clients; %d of them closed by"
                        + " the server, all of them %d ms after they connected%n", answeredMillis, closedByServer,
                        allClosedMillis);
                // not held until the slow clients are cut off (a slow machine may take a few seconds to answer)
                assertThat(answeredMillis).as("the normal request's answer, with 100 slow clients connected")
                        .isBetween(0L, HttpApi.READ_DEADLINE_SECONDS * 1000L - 1000);
                assertThat(closedByServer).as("slow clients closed at the %d s read deadline",
                        HttpApi.READ_DEADLINE_SECONDS).isEqualTo(slow.size());
                assertThat(allClosedMillis).as("when the last slow client was closed")
                        .isBetween(HttpApi.READ_DEADLINE_SECONDS * 1000L - 1000, HttpApi.READ_DEADLINE_SECONDS * 1000L
                                + 15000);
            } finally {
                for (Socket s : slow) {
                    s.close();
                }
            }
            assertThat(http.get("/api/stores/counter/slow-1/events").json().get("events")).as("no slow request ran")
                    .isEmpty();
        }
    }

    /** One more header byte; false when the server has closed the connection. */
    private static boolean trickle(Socket s) {
        if (s.isClosed()) {
            return false;
        }
        try {
            InputStream in = s.getInputStream();
            try {
                if (in.read() == -1) {
                    s.close();
                    return false;
                }
            } catch (SocketTimeoutException stillOpen) {
                // nothing to read: the server is still waiting for the request
            }
            OutputStream out = s.getOutputStream();
            out.write('X');
            out.flush();
            return true;
        } catch (IOException e) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
            return false;
        }
    }
}
