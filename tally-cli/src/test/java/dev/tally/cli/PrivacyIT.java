package dev.tally.cli;

import static dev.tally.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.json.JsonCodec;
import dev.tally.server.ServerKeys;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Crypto-shredding end to end on {@code tally serve} (the packaged jar, the local stack with data on
 * disk): after a forget and a restart, no byte of the data directory and no line the server printed
 * holds the forgotten holders' names or emails, other holders stay readable, and every balance is intact.
 * On each engine that keeps data in a directory: DynamoDB Local's files, and with {@code --engine
 * postgres} the embedded PostgreSQL's whole data directory (heap, indexes, write-ahead log), searched
 * after the server stopped it cleanly, which ends with a checkpoint.
 */
@ParameterizedClass
@MethodSource("engines")
class PrivacyIT {
    private static final String ALICE_NAME = "Zoltan Forgetmenot";
    private static final String ALICE_EMAIL = "zoltan.forgetmenot@example.org";
    private static final String CAROL_NAME = "Carmela Vanishwell";
    private static final String CAROL_EMAIL = "carmela.vanish@example.net";
    private static final String BOB_NAME = "Bartholomew Keepsake";
    private static final String BOB_EMAIL = "bart.keepsake@example.com";

    private final HttpClient client = HttpClient.newHttpClient();

    @Parameter
    SharedServe.Engine engine;

    static List<SharedServe.Engine> engines() {
        return SharedServe.Engine.onDisk();
    }

    @Test
    void afterAForgetAndARestartNoByteOfTheDataOrTheOutputHoldsTheHolderAndBalancesAreIntact() throws Exception {
        Path data = Path.of("target", "it-data-" + UUID.randomUUID());
        List<String> output = new ArrayList<>();
        try (TallyProcess first = engine.serve(data)) {
            Http http = new Http(first.url());
            assertThat(put(first.url(), "/api/accounts/alice/holder", "{\"name\": \"" + ALICE_NAME + "\", \"email\": \""
                    + ALICE_EMAIL + "\"}").get("version").asLong()).isEqualTo(1);
            http.post("/api/accounts/alice/credit", "{\"amount\": 700}");
            put(first.url(), "/api/accounts/bob/holder", "{\"name\": \"" + BOB_NAME + "\", \"email\": \"" + BOB_EMAIL
                    + "\"}");
            http.post("/api/accounts/bob/credit", "{\"amount\": 300}");
            put(first.url(), "/api/accounts/carol/holder", "{\"name\": \"" + CAROL_NAME + "\", \"email\": \""
                    + CAROL_EMAIL + "\"}");
            http.post("/api/accounts/carol/credit", "{\"amount\": 50}");
            eventually(() -> assertHolder(http, "alice", ALICE_NAME, ALICE_EMAIL, 700));
            eventually(() -> assertHolder(http, "carol", CAROL_NAME, CAROL_EMAIL, 50));
            eventually(() -> assertHolder(http, "bob", BOB_NAME, BOB_EMAIL, 300));
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(
                    data.resolve(ServerKeys.MASTER_KEY_FILE)))).isEqualTo("rw-------");
            // a holder that is not one is refused without repeating what was sent
            assertThat(putStatus(first.url(), "/api/accounts/alice/holder", "{\"name\": \"x\", \"email\": \"no-at\"}"))
                    .isEqualTo(400);

            // the command line for alice, the bank's own route for carol
            TallyProcess.Finished forget = TallyProcess.run(Map.of(), "forget", "bank-account", "alice", "--url",
                    first.url().toString());
            assertThat(forget.exitCode()).as(forget.output()).isZero();
            assertThat(forget.output()).contains("forgot the personal data of bank-account/alice");
            Http.Answer carol = http.post("/api/accounts/carol/forget", "{}");
            assertThat(carol.status()).isEqualTo(200);
            assertThat(carol.json().get("aggregateId").asText()).isEqualTo("carol");
            assertThat(http.post("/api/accounts/nobody/forget", "{}").status()).isEqualTo(404);

            eventually(() -> assertForgotten(http, "alice", 700, 3));
            eventually(() -> assertForgotten(http, "carol", 50, 3));
            first.stop();
            output.addAll(first.output());
        }
        try (TallyProcess second = engine.serve(data)) {
            Http http = new Http(second.url());
            // views the first run had written; deliveries it had not finished resume after the restart
            eventually(() -> assertForgotten(http, "alice", 700, 3));
            eventually(() -> assertForgotten(http, "carol", 50, 3));
            eventually(() -> assertHolder(http, "bob", BOB_NAME, BOB_EMAIL, 300));
            // the ledger still folds: the events are there, the audit event last, the personal fields sealed
            JsonNode events = http.get("/api/stores/bank-account/alice/events").json().get("events");
            assertThat(events).hasSize(3);
            assertThat(events.get(0).get("payload").get("name").asText()).isEqualTo("(forgotten)");
            assertThat(events.get(0).get("payload").get("email").asText()).isEqualTo("(forgotten)");
            assertThat(events.get(2).get("type").asText()).isEqualTo("tally.PersonalDataForgotten");
            assertThat(http.get("/api/accounts/alice/events").json().get("events").get(0).get("payload").get("name")
                    .asText()).isEqualTo("(forgotten)");
            String aggregate = http.get("/api/stores/bank-account/alice/aggregate").json().toString();
            assertThat(aggregate).contains("700").contains("(forgotten)");
            assertThat(http.get("/api/views/holder/alice").json().get("view").toString())
                    .isEqualTo("{\"name\":\"(forgotten)\",\"email\":\"(forgotten)\"}");
            assertThat(http.get("/api/views/holder/bob").json().get("view").get("name").asText()).isEqualTo(BOB_NAME);
            // a reader of the kept holder's events sees the values (the query side reveals them)
            assertThat(http.get("/api/stores/bank-account/bob/events").json().get("events").get(0).get("payload")
                    .get("email").asText()).isEqualTo(BOB_EMAIL);
            TallyProcess.Finished listed = TallyProcess.run(Map.of(), "events", "bank-account", "alice", "--url",
                    second.url().toString());
            assertThat(listed.output()).contains("(forgotten)").contains("tally.PersonalDataForgotten");
            second.stop();
            output.addAll(second.output());
        }

        List<String> forgotten = List.of(ALICE_NAME, ALICE_EMAIL, CAROL_NAME, CAROL_EMAIL);
        List<Path> files;
        try (Stream<Path> walk = Files.walk(data)) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        long sealedSeen = 0;
        for (Path f : files) {
            byte[] bytes = Files.readAllBytes(f);
            for (String secret : forgotten) {
                assertThat(indexOf(bytes, secret.getBytes(StandardCharsets.UTF_8))).as(secret + " in " + f).isEqualTo(-1);
                assertThat(indexOf(bytes, secret.getBytes(StandardCharsets.UTF_16LE))).as(secret + " in " + f)
                        .isEqualTo(-1);
            }
            // the kept holder was never written in the clear either: it is sealed like the others
            assertThat(indexOf(bytes, BOB_EMAIL.getBytes(StandardCharsets.UTF_8))).as(BOB_EMAIL + " in " + f)
                    .isEqualTo(-1);
            sealedSeen += indexOf(bytes, "tally:pii:1:".getBytes(StandardCharsets.UTF_8)) >= 0 ? 1 : 0;
        }
        // the search reads the files the ledger is in: sealed values are found there, so a plain one would be
        assertThat(sealedSeen).as("files of %s holding sealed values", data).isPositive();
        assertThat(files).as("the data directory").hasSizeGreaterThan(1);
        String printed = String.join("\n", output);
        assertThat(printed).contains("Tally is serving on");
        for (String secret : forgotten) {
            assertThat(printed).doesNotContain(secret);
        }
    }

    private static void assertHolder(Http http, String id, String name, String email, long balance) {
        JsonNode a = get(http, id);
        assertThat(a.get("balance").asLong()).isEqualTo(balance);
        assertThat(a.get("holder").get("name").asText()).isEqualTo(name);
        assertThat(a.get("holder").get("email").asText()).isEqualTo(email);
        assertThat(a.get("holder").get("forgotten").asBoolean()).isFalse();
    }

    private static void assertForgotten(Http http, String id, long balance, long version) {
        JsonNode a = get(http, id);
        assertThat(a.get("balance").asLong()).isEqualTo(balance);
        assertThat(a.get("version").asLong()).as("views refreshed by the audit event").isEqualTo(version);
        assertThat(a.get("holder").toString()).isEqualTo("{\"name\":null,\"email\":null,\"forgotten\":true}");
    }

    private static JsonNode get(Http http, String id) {
        try {
            Http.Answer r = http.get("/api/accounts/" + id);
            assertThat(r.status()).isEqualTo(200);
            return r.json();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private JsonNode put(URI base, String path, String body) throws Exception {
        HttpResponse<String> r = send(base, path, body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JsonCodec.parse(r.body());
    }

    private int putStatus(URI base, String path, String body) throws Exception {
        HttpResponse<String> r = send(base, path, body);
        assertThat(r.body()).doesNotContain("no-at");
        return r.statusCode();
    }

    private HttpResponse<String> send(URI base, String path, String body) throws Exception {
        return client.send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
