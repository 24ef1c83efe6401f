package dev.tally.testing.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The HTTP contract every Tally host keeps ({@code tally serve} over real HTTP, the Lambda command
 * and query functions fed API Gateway events): the same requests to a host serving
 * {@link LibraryApp}, the same statuses and the same bodies, byte for byte, errors included. A
 * host passes by extending this class; a changed status or body on either host fails here.
 *
 * <p>Each test works on aggregates of its own (fresh ids), so one host serves every test.
 */
public abstract class HostContract {
    private static final String JSON = "application/json";
    private static final String SHELVE = "{\"title\": \"Dune\", \"copies\": 1, \"genre\": \"NOVEL\", \"since\":"
            + " \"2027-01-31T12:00:00Z\", \"place\": {\"room\": \"A\", \"row\": 3}, \"tags\": [\"sf\"],"
            + " \"signed\": false}";
    private static final String LEND = "{\"memberId\": \"m1\", \"dueDate\": \"2027-02-28T12:00:00Z\"}";
    private static final String LEND_EXAMPLE = "{\\\"memberId\\\":\\\"text\\\","
            + "\\\"dueDate\\\":\\\"2027-01-31T12:00:00Z\\\"}";

    /** An answer: status, headers (names as the host sends them) and body. */
    public record Answer(int status, Map<String, String> headers, String body) {
    }

    /** Sends one request to the host serving {@link LibraryApp} (store "book", projection "availability"). */
    protected abstract Answer send(String method, String path, Map<String, String> headers, String body);

    /** Waits until the views of {@code bookId} follow what was written to it (the host's pipeline ran). */
    protected abstract void awaitViews(String bookId);

    private static String newId() {
        return "b-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private Answer post(String path, String body) {
        return send("POST", path, Map.of("Content-Type", JSON), body);
    }

    private Answer post(String path, String body, String idempotencyKey) {
        return send("POST", path, Map.of("Content-Type", JSON, "Idempotency-Key", idempotencyKey), body);
    }

    private Answer get(String path) {
        return send("GET", path, Map.of(), null);
    }

    private static void expect(Answer a, int status, String body) {
        assertEquals(status, a.status(), () -> "status of " + a.body());
        assertEquals(body, a.body());
    }

    private static String command(String id, String name) {
        return "/api/stores/book/" + id + "/commands/" + name;
    }

    private void expectNothingAppended(String id) {
        expect(get("/api/stores/book/" + id + "/aggregate"), 404,
                "{\"error\":\"not_found\",\"message\":\"book/" + id + " has no events\"}");
    }

    @Test
    void aCommandIsAppendedAndTheAggregateAnswersAtEachVersion() {
        String id = newId();
        expect(post(command(id, "Shelve"), SHELVE), 200, "{\"aggregateId\":\"" + id + "\",\"version\":1}");
        expect(post(command(id, "Lend"), LEND), 200, "{\"aggregateId\":\"" + id + "\",\"version\":2}");
        expect(get("/api/stores/book/" + id + "/aggregate"), 200, "{\"store\":\"book\",\"aggregateId\":\"" + id
                + "\",\"version\":2,\"state\":{\"title\":\"Dune\",\"copies\":1,\"lent\":1}}");
        expect(get("/api/stores/book/" + id + "/aggregate?atVersion=1"), 200, "{\"store\":\"book\",\"aggregateId\":\""
                + id + "\",\"version\":1,\"state\":{\"title\":\"Dune\",\"copies\":1,\"lent\":0}}");
        expect(get("/api/stores/book/" + id + "/aggregate?atVersion=first"), 400, "{\"error\":\"invalid_at_version\","
                + "\"message\":\"atVersion must be a whole number >= 1, got 'first'\"}");
    }

    @Test
    void theViewFollowsTheLedger() {
        String id = newId();
        expect(post(command(id, "Shelve"), SHELVE), 200, "{\"aggregateId\":\"" + id + "\",\"version\":1}");
        awaitViews(id);
        expect(get("/api/views/availability/" + id), 200, "{\"projection\":\"availability\",\"key\":\"" + id
                + "\",\"version\":1,\"view\":{\"title\":\"Dune\",\"available\":1}}");
        String other = newId();
        expect(get("/api/views/availability/" + other), 404, "{\"error\":\"not_found\",\"message\":\"projection"
                + " 'availability' has no view '" + other + "' (yet: views follow the ledger within moments)\"}");
        expect(get("/api/views/nope/" + id), 404, "{\"error\":\"unknown_projection\",\"message\":\"no projection"
                + " 'nope'; this server has [availability]\"}");
    }

    @Test
    void aRejectionIs422AndAppendsNothing() {
        String id = newId();
        post(command(id, "Shelve"), SHELVE);
        post(command(id, "Lend"), LEND);
        expect(post(command(id, "Lend"), LEND), 422, "{\"error\":\"no_copy_left\",\"message\":\"every copy of 'Dune'"
                + " is lent; wait for a return\"}");
        assertEquals(2, version(id));
    }

    private int version(String id) {
        String body = get("/api/stores/book/" + id + "/aggregate").body();
        int at = body.indexOf("\"version\":");
        return Integer.parseInt(body.substring(at + 10, body.indexOf(',', at)));
    }

    @Test
    void anInternalCommandIs403() {
        String id = newId();
        expect(post(command(id, "Retire"), "{}"), 403, "{\"error\":\"internal_command\",\"message\":\"command"
                + " 'Retire' of store 'book' is internal: its app declared it for its own process (a saga or the app's"
                + " code), so it is not accepted over HTTP; use the app's own routes, or one of the store's other"
                + " commands [Shelve, Lend]\"}");
        expectNothingAppended(id);
    }

    @Test
    void unknownStoresCommandsAndAggregatesAre404() {
        String id = newId();
        expect(post("/api/stores/nope/" + id + "/commands/Lend", LEND), 404, "{\"error\":\"unknown_store\","
                + "\"message\":\"no event store 'nope'; this server has [book]\"}");
        expect(post(command(id, "Burn"), "{}"), 404, "{\"error\":\"unknown_command\",\"message\":\"store 'book' has"
                + " no command 'Burn'; its commands are [Shelve, Lend, Retire]\"}");
        expectNothingAppended(id);
        expect(post(command("bad%20id", "Lend"), LEND), 400, "{\"error\":\"invalid_id\",\"message\":\"field 'id'"
                + " must be 1-64 characters of letters, digits, '_' or '-', got 'bad id'\"}");
    }

    @Test
    void bindingErrorsAre400NamingFieldTypeAndValueAndAppendNothing() {
        String id = newId();
        expect(post(command(id, "Lend"), "{\"memberId\": \"m1\", \"dueDate\": \"2027-01-31T12:00:00Z\", \"extra\":"
                + " 1}"), 400, "{\"error\":\"invalid_command\",\"message\":\"field 'extra' is not a field of Lend (its"
                + " fields: memberId (string), dueDate (ISO-8601 instant such as 2027-01-31T12:00:00Z)); send e.g. "
                + LEND_EXAMPLE + "\"}");
        expect(post(command(id, "Lend"), "{\"memberId\": \"m1\"}"), 400, "{\"error\":\"invalid_command\",\"message\":"
                + "\"field 'dueDate' is missing: Lend needs it as an ISO-8601 instant such as 2027-01-31T12:00:00Z;"
                + " send e.g. " + LEND_EXAMPLE + "\"}");
        expect(post(command(id, "Lend"), "{\"memberId\": null, \"dueDate\": \"2027-01-31T12:00:00Z\"}"), 400,
                "{\"error\":\"invalid_command\",\"message\":\"field 'memberId' is null: Lend needs a string; send e.g. "
                        + LEND_EXAMPLE + "\"}");
        expect(post(command(id, "Lend"), "{\"memberId\": 42, \"dueDate\": \"2027-01-31T12:00:00Z\"}"), 400,
                "{\"error\":\"invalid_command\",\"message\":\"field 'memberId' must be a string, got the number 42;"
                        + " send e.g. " + LEND_EXAMPLE + "\"}");
        expect(post(command(id, "Lend"), "{\"memberId\": \"m1\", \"dueDate\": 1767225600}"), 400,
                "{\"error\":\"invalid_command\",\"message\":\"field 'dueDate' must be an ISO-8601 instant such as"
                        + " 2027-01-31T12:00:00Z, got the number 1767225600; send e.g. " + LEND_EXAMPLE + "\"}");
        String shelve = post(command(id, "Shelve"), SHELVE.replace("\"copies\": 1", "\"copies\": \"1\"")).body();
        assertEquals("{\"error\":\"invalid_command\",\"message\":\"field 'copies' must be a whole number, got the"
                + " text \\\"1\\\"; send e.g. {\\\"title\\\":\\\"text\\\",\\\"copies\\\":100,\\\"genre\\\":\\\"NOVEL\\\","
                + "\\\"since\\\":\\\"2027-01-31T12:00:00Z\\\",\\\"place\\\":{\\\"room\\\":\\\"text\\\",\\\"row\\\":100},"
                + "\\\"tags\\\":[\\\"text\\\"],\\\"signed\\\":true}\"}", shelve);
        assertEquals(400, post(command(id, "Shelve"), SHELVE.replace("\"NOVEL\"", "\"COMIC\"")).status());
        assertEquals(400, post(command(id, "Shelve"), SHELVE.replace("\"row\": 3", "\"row\": \"3\"")).status());
        Answer notJson = post(command(id, "Lend"), "{\"memberId\": ");
        assertEquals(400, notJson.status());
        for (String leak : new String[] {"class", "dev.tally", "org.", "com.fasterxml", "Feature", "amount"}) {
            assertFalse(notJson.body().contains(leak), () -> "'" + leak + "' in " + notJson.body());
        }
        expectNothingAppended(id);
    }

    /** An events page with what differs per run (timestamps, metadata ids) blanked. */
    private Answer events(String id, String query) {
        Answer a = get("/api/stores/book/" + id + "/events" + query);
        return new Answer(a.status(), a.headers(), a.body().replaceAll("\"timestamp\":\"[^\"]*\"", "\"timestamp\":\"T\"")
                .replaceAll("\"metadata\":\\{[^}]*\\}", "\"metadata\":{}"));
    }

    @Test
    void theEventsOfAnAggregateArePagedWithACursor() {
        String id = newId();
        post(command(id, "Shelve"), SHELVE);
        post(command(id, "Lend"), LEND);
        String prefix = "{\"store\":\"book\",\"aggregateId\":\"" + id + "\",\"events\":[";
        String shelved = "{\"store\":\"book\",\"aggregateId\":\"" + id + "\",\"version\":1,\"type\":\"Shelved\","
                + "\"schemaVersion\":1,\"timestamp\":\"T\",\"payload\":{\"title\":\"Dune\",\"copies\":1},\"metadata\":{}}";
        String lent = "{\"store\":\"book\",\"aggregateId\":\"" + id + "\",\"version\":2,\"type\":\"Lent\","
                + "\"schemaVersion\":1,\"timestamp\":\"T\",\"payload\":{\"memberId\":\"m1\",\"dueDate\":"
                + "\"2027-02-28T12:00:00Z\"},\"metadata\":{}}";
        expect(events(id, ""), 200, prefix + shelved + "," + lent + "],\"nextCursor\":null}");
        expect(events(id, "?limit=1"), 200, prefix + shelved + "],\"nextCursor\":\"2\"}");
        expect(events(id, "?limit=1&cursor=2"), 200, prefix + lent + "],\"nextCursor\":null}");
        expect(events(id, "?cursor=zz"), 400, "{\"error\":\"invalid_cursor\",\"message\":\"'cursor' 'zz' is not a"
                + " cursor this server gave out: pass back the nextCursor of the previous page unchanged, or leave it out"
                + " for the first page\"}");
        assertEquals(400, events(id, "?limit=0").status());
    }

    @Test
    void aRetriedRequestWithTheSameIdempotencyKeyGetsTheSameAnswerAndAppliesOnce() {
        String id = newId();
        String key = "key-" + id;
        Answer first = post(command(id, "Shelve"), SHELVE, key);
        expect(first, 200, "{\"aggregateId\":\"" + id + "\",\"version\":1}");
        expect(post(command(id, "Shelve"), SHELVE, key), 200, first.body());
        assertEquals(1, version(id));
        expect(post(command(id, "Shelve"), SHELVE, "k".repeat(256)), 400, "{\"error\":\"invalid_idempotency_key\",\"message\":"
                + "\"the Idempotency-Key header must be 1-255 visible ASCII characters (e.g. a UUID)\"}");
    }

    @Test
    void forgettingWhereNoPersonalDataIsDeclaredIs409AndAppendsNothing() {
        String id = newId();
        post(command(id, "Shelve"), SHELVE);
        expect(post("/api/forget/book/" + id, ""), 409, "{\"error\":\"no_personal_data\",\"message\":\"store 'book'"
                + " declares no personal data, so there is nothing to forget and nothing was appended; forgetting"
                + " applies to stores whose app declares personal fields (docs/privacy.md)\"}");
        assertEquals(1, version(id));
    }

    /** How long a host may take for its views to follow (a pipeline on a loaded machine). */
    protected static final Duration VIEW_WAIT = Duration.ofSeconds(60);
}
