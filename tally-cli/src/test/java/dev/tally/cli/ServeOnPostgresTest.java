package dev.tally.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.internal.Chaos;
import dev.tally.server.PostgresServeEngine;
import dev.tally.server.TallyServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tally serve --engine postgres}: an app over HTTP on an embedded PostgreSQL in the data directory. */
class ServeOnPostgresTest {
    @TempDir
    Path dir;

    static TallyServer serve(Path data) {
        return TallyServer.start(new TallyServer.Settings(data, TallyServer.HOST, 0, null, Chaos.NONE,
                List.of(new OpsTestApp())), PostgresServeEngine.factory(null, null, Map.of()), line -> { });
    }

    @Test
    void servesAnAppWithIdempotencyKeysViewsAndMetricsAndKeepsThemAcrossARestart() throws Exception {
        Path data = dir.resolve("data");
        String route = "/api/stores/ops-counter/c1/commands/Add";
        try (TallyServer server = serve(data)) {
            Http http = new Http(server.url());
            Http.Answer first = http.postWithKey(route, "{\"by\": 5}", "key-1");
            assertThat(first.status()).as(first.statusAndBody()).isEqualTo(200);
            Http.Answer again = http.postWithKey(route, "{\"by\": 5}", "key-1");
            assertThat(again.statusAndBody()).isEqualTo(first.statusAndBody());
            assertThat(again.headers().firstValue("Idempotency-Replayed")).contains("true");
            assertThat(server.awaitQuiet(Duration.ofSeconds(60))).isTrue();
            Http.Answer view = http.get("/api/views/ops-total/c1");
            assertThat(view.status()).as(view.statusAndBody()).isEqualTo(200);
            assertThat(view.json().toString()).contains("\"value\":5");
            String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(server.url().resolve("/metrics"))
                    .build(), HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).contains("tally_projection_lag_seconds_bucket");
        }
        assertThat(data.resolve("postgres/data/PG_VERSION")).exists();
        try (TallyServer server = serve(data)) {
            Http http = new Http(server.url());
            assertThat(http.get("/api/views/ops-total/c1").json().toString()).contains("\"value\":5");
            Http.Answer replayed = http.postWithKey(route, "{\"by\": 5}", "key-1");
            assertThat(replayed.headers().firstValue("Idempotency-Replayed")).contains("true");
            assertThat(http.post(route, "{\"by\": 1}").status()).isEqualTo(200);
            assertThat(server.awaitQuiet(Duration.ofSeconds(60))).isTrue();
            assertThat(http.get("/api/views/ops-total/c1").json().toString()).contains("\"value\":6");
        }
    }

    @Test
    void engineOptionsThatDoNotGoTogetherAreRefusedBeforeAnythingStarts() {
        assertThat(serveArgs("--engine", "mysql")).contains("--engine must be dynamodb-local or postgres, got 'mysql'");
        assertThat(serveArgs("--jdbc-url", "jdbc:postgresql://127.0.0.1/x")).contains("add --engine postgres");
        assertThat(serveArgs("--engine", "postgres", "--in-memory", "--jdbc-url", "jdbc:postgresql://127.0.0.1/x"))
                .contains("pass one or the other");
    }

    private static String serveArgs(String... args) {
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setOut(new PrintWriter(new StringWriter(), true));
        cl.setErr(new PrintWriter(err, true));
        String[] all = new String[args.length + 1];
        all[0] = "serve";
        System.arraycopy(args, 0, all, 1, args.length);
        assertThat(cl.execute(all)).isEqualTo(2);
        return err.toString();
    }
}
