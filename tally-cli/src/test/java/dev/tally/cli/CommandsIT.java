package dev.tally.cli;

import static dev.tally.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The other commands, and serve's security default, as a user meets them. */
class CommandsIT {

    @Test
    void eventsAggregateAndDlqReadARunningServer() throws Exception {
        try (SharedServe.Lease tally = SharedServe.lease(SharedServe.Engine.IN_MEMORY)) {
            Http http = new Http(tally.url());
            http.post("/api/accounts/dora/credit", "{\"amount\": 900}");
            http.post("/api/accounts/dora/debit", "{\"amount\": 100}");
            String url = tally.url().toString();

            TallyProcess.Finished events = TallyProcess.run(Map.of(), "events", "bank-account", "dora", "--url", url);
            assertThat(events.exitCode()).isZero();
            assertThat(events.output()).contains("VERSION").contains("Credited").contains("Debited")
                    .contains("{\"amount\":900}");

            TallyProcess.Finished at1 = TallyProcess.run(Map.of(), "aggregate", "bank-account", "dora",
                    "--at-version", "1", "--url", url);
            assertThat(at1.exitCode()).isZero();
            assertThat(at1.output()).contains("at version 1").contains("\"balance\" : 900");
            eventually(() -> {
                try {
                    assertThat(TallyProcess.run(Map.of(), "aggregate", "bank-account", "dora", "--url", url).output())
                            .contains("\"balance\" : 800");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });

            TallyProcess.Finished dlq = TallyProcess.run(Map.of(), "dlq", "list", "--url", url);
            assertThat(dlq.output()).contains("no dead letters");
            TallyProcess.Finished redrive = TallyProcess.run(Map.of(), "dlq", "redrive", "--all", "--url", url);
            assertThat(redrive.output()).contains("redriven: 0");
            TallyProcess.Finished wrong = TallyProcess.run(Map.of(), "dlq", "purge", "--url", url);
            assertThat(wrong.exitCode()).isNotZero();
            assertThat(wrong.output()).contains("unknown action 'purge'");
        }
    }

    @Test
    void withoutAServerTheCommandsSayWhatToDo() throws Exception {
        TallyProcess.Finished r = TallyProcess.run(Map.of(), "events", "bank-account", "x", "--url",
                "http://127.0.0.1:9");
        assertThat(r.exitCode()).isNotZero();
        assertThat(r.output()).contains("no Tally server at http://127.0.0.1:9").contains("tally serve");
        assertThat(TallyProcess.run(Map.of(), "aggregate", "--help").output()).contains("--at-version");
        assertThat(TallyProcess.run(Map.of(), "--help").output()).contains("serve").contains("events")
                .contains("aggregate").contains("dlq");
    }

    @Test
    void beyondLoopbackServeNeedsATokenAndEveryApiRouteNeedsIt() throws Exception {
        TallyProcess.Finished refused = TallyProcess.run(Map.of("TALLY_TOKEN", ""), "serve", "--host", "0.0.0.0",
                "--in-memory", "--port", "0");
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.output()).contains("set TALLY_TOKEN");

        try (TallyProcess tally = TallyProcess.serveWith(Map.of("TALLY_TOKEN", "s3cret-token"), "--host", "0.0.0.0",
                "--in-memory", "--port", "0")) {
            URI base = URI.create("http://127.0.0.1:" + tally.url().getPort());
            HttpClient client = HttpClient.newHttpClient();
            HttpRequest.Builder credit = HttpRequest.newBuilder(base.resolve("/api/accounts/eve/credit"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"amount\": 5}"));
            HttpResponse<String> anonymous = client.send(credit.build(), HttpResponse.BodyHandlers.ofString());
            assertThat(anonymous.statusCode()).isEqualTo(401);
            assertThat(anonymous.body()).contains("Authorization: Bearer");
            HttpResponse<String> wrong = client.send(credit.copy().header("Authorization", "Bearer nope").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(wrong.statusCode()).isEqualTo(401);
            HttpResponse<String> ok = client.send(credit.copy().header("Authorization", "Bearer s3cret-token").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(new Http(base).get("/api/accounts/eve/events").status()).as("reads need the token too")
                    .isEqualTo(401);
            assertThat(new Http(base, "s3cret-token", null).get("/api/accounts/eve/events").json().get("events"))
                    .hasSize(1);
        }
    }
}
