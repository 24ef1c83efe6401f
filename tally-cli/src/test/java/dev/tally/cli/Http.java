package dev.tally.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.json.JsonCodec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLContext;

/** A small JSON client for the API tests (with a token and a trusted certificate when given). */
final class Http {
    record Answer(int status, JsonNode json, HttpHeaders headers) {
        String message() {
            return json.path("message").asText();
        }

        /** What a client sees as the answer: status and body (headers such as Date differ per response). */
        String statusAndBody() {
            return status + " " + json;
        }
    }

    private final URI base;
    private final String token;
    private final HttpClient client;

    Http(URI base) {
        this(base, null, null);
    }

    Http(URI base, String token, SSLContext ssl) {
        this.base = base;
        this.token = token;
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
        if (ssl != null) {
            b.sslContext(ssl);
        }
        this.client = b.build();
    }

    /**
     * Waits until the server's start-up check (a verify with repair, run once in the background) is
     * done: a test that counts deliveries must not count the repair messages it may send.
     */
    void awaitStartupCheck() {
        dev.tally.testing.Eventually.eventually(java.time.Duration.ofSeconds(60), () -> {
            String state;
            try {
                state = get("/api/pipeline").json().path("startupCheck").path("state").asText();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            org.assertj.core.api.Assertions.assertThat(state).as("the start-up check").isEqualTo("done");
        });
    }

    Answer get(String path) throws Exception {
        return answer(client.send(auth(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60)).GET())
                .build(), HttpResponse.BodyHandlers.ofString()));
    }

    Answer post(String path, String body) throws Exception {
        return postAsync(path, body).get();
    }

    /** A POST with an {@code Idempotency-Key} header. */
    Answer postWithKey(String path, String body, String key) throws Exception {
        return postAsync(path, body, key).get();
    }

    CompletableFuture<Answer> postAsync(String path, String body) {
        return postAsync(path, body, null);
    }

    CompletableFuture<Answer> postAsync(String path, String body, String idempotencyKey) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(120));
        if (idempotencyKey != null) {
            b.header("Idempotency-Key", idempotencyKey);
        }
        HttpRequest r = auth(b
                .header("Content-Type", "application/json")
                .POST(body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)))
                .build();
        return client.sendAsync(r, HttpResponse.BodyHandlers.ofString()).thenApply(Http::answer);
    }

    private HttpRequest.Builder auth(HttpRequest.Builder b) {
        return token == null ? b : b.header("Authorization", "Bearer " + token);
    }

    private static Answer answer(HttpResponse<String> r) {
        return new Answer(r.statusCode(), r.body().isEmpty() ? JsonCodec.object() : JsonCodec.parse(r.body()),
                r.headers());
    }
}
