package dev.tally.server;

import static dev.tally.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.tally.core.json.JsonCodec;
import dev.tally.http.HttpRequest;
import dev.tally.http.HttpResponse;
import dev.tally.http.IdempotencyKeys;
import dev.tally.local.LocalDynamoDb;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The key claim, with a route that can be held open: a request that reuses the key of one still
 * running runs nothing and is told to retry; when the first is done, the retry gets its answer.
 * Against DynamoDB Local, through a real HTTP server.
 */
class IdempotencyKeysTest {
    private static LocalDynamoDb db;
    private static HttpServer server;
    private static IdempotencyKeys keys;
    private static final AtomicInteger runs = new AtomicInteger();
    private static volatile CountDownLatch gate = new CountDownLatch(0);
    private static volatile int status = 200;
    private static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        db = LocalDynamoDb.inMemory();
        keys = new IdempotencyKeys(new DynamoDbIdempotencyStore(db.client()), Clock.systemUTC(), Duration.ofMillis(500));
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/op", x -> {
            byte[] sent = x.getRequestBody().readAllBytes();
            HttpResponse r = keys.answer(new HttpRequest(x.getRequestMethod(), x.getRequestURI().getRawPath(),
                    x.getRequestURI().getRawQuery(), x.getRequestHeaders(), sent), () -> {
                int n = runs.incrementAndGet();
                try {
                    gate.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return HttpResponse.json(status, JsonCodec.object().put("run", n));
            });
            r.headers().forEach((k, v) -> x.getResponseHeaders().set(k, v));
            byte[] body = r.body();
            x.sendResponseHeaders(r.status(), body.length);
            try (var out = x.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    @AfterAll
    static void stop() {
        server.stop(0);
        db.close();
    }

    private static CompletableFuture<java.net.http.HttpResponse<String>> post(String key, String body) {
        return http.sendAsync(java.net.http.HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getAddress().getPort()
                        + "/op")).header("Idempotency-Key", key).timeout(Duration.ofSeconds(30))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void a_key_in_use_is_refused_with_409_and_nothing_runs_twice() throws Exception {
        gate = new CountDownLatch(1);
        status = 200;
        int before = runs.get();
        CompletableFuture<java.net.http.HttpResponse<String>> first = post("k-busy", "{}");
        eventually(() -> assertThat(runs.get()).isEqualTo(before + 1));

        java.net.http.HttpResponse<String> second = post("k-busy", "{}").get(30, TimeUnit.SECONDS);
        assertThat(second.statusCode()).isEqualTo(409);
        assertThat(second.body()).contains("idempotency_key_in_progress");
        assertThat(second.headers().firstValue("Retry-After")).hasValue("1");
        java.net.http.HttpResponse<String> other = post("k-busy", "{\"x\":1}").get(30, TimeUnit.SECONDS);
        assertThat(other.statusCode()).isEqualTo(422);

        gate.countDown();
        assertThat(first.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        java.net.http.HttpResponse<String> retry = post("k-busy", "{}").get(30, TimeUnit.SECONDS);
        assertThat(retry.statusCode()).isEqualTo(200);
        assertThat(retry.body()).isEqualTo(first.get().body());
        assertThat(runs.get()).isEqualTo(before + 1);
    }

    @Test
    void a_request_that_waits_for_the_running_one_gets_its_answer() throws Exception {
        gate = new CountDownLatch(1);
        status = 200;
        int before = runs.get();
        CompletableFuture<java.net.http.HttpResponse<String>> first = post("k-wait", "{}");
        eventually(() -> assertThat(runs.get()).isEqualTo(before + 1));
        CompletableFuture<java.net.http.HttpResponse<String>> second = post("k-wait", "{}");
        gate.countDown(); // the first finishes while the second waits (or before it asks: it replays either way)
        assertThat(second.get(30, TimeUnit.SECONDS).statusCode()).isIn(200, 409);
        java.net.http.HttpResponse<String> answer = second.get().statusCode() == 200 ? second.get()
                : post("k-wait", "{}").get(30, TimeUnit.SECONDS);
        assertThat(answer.body()).isEqualTo(first.get(30, TimeUnit.SECONDS).body());
        assertThat(runs.get()).isEqualTo(before + 1);
    }

    @Test
    void a_server_error_releases_the_key_so_a_retry_runs() throws Exception {
        gate = new CountDownLatch(0);
        int before = runs.get();
        status = 503;
        assertThat(post("k-503", "{}").get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(503);
        status = 200;
        java.net.http.HttpResponse<String> retry = post("k-503", "{}").get(30, TimeUnit.SECONDS);
        assertThat(retry.statusCode()).isEqualTo(200);
        assertThat(runs.get()).isEqualTo(before + 2);
        assertThat(post("k-503", "{}").get(30, TimeUnit.SECONDS).body()).isEqualTo(retry.body());
        assertThat(runs.get()).isEqualTo(before + 2);
    }

}
