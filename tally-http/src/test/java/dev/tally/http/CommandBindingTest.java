package dev.tally.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.EventStore;
import dev.tally.core.ReadOptions;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.memory.InMemoryLedger;
import dev.tally.testing.http.LibraryApp;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Strict binding in the user's language, case by case from issue 21: each answer is a 400
 * {@code invalid_command} naming the field, the type expected and what was sent, with an example
 * built from the command's own record, no Java or library name in it; nothing is appended.
 */
class CommandBindingTest {
    private static final String LEND = "/api/stores/book/b1/commands/Lend";
    private static final String SHELVE = "/api/stores/book/b1/commands/Shelve";
    private static final String GOOD_SHELVE = "{\"title\": \"Dune\", \"copies\": 2, \"genre\": \"NOVEL\","
            + " \"since\": \"2027-01-31T12:00:00Z\", \"place\": {\"room\": \"A\", \"row\": 3}, \"tags\": [\"sf\"],"
            + " \"signed\": false}";
    private EventStore<LibraryApp.Book> books;
    private TallyHttp http;

    @BeforeEach
    void setUp() {
        books = EventStore.builder(LibraryApp.BOOK, new InMemoryLedger()).build();
        http = new TallyHttp(Map.of("book", books), Map.of(), List.of(),
                new IdempotencyKeys(new InMemoryIdempotencyStore(), Clock.systemUTC()), TallyHttp.Options.DEFAULTS);
    }

    private HttpResponse post(String path, String body) {
        return http.answer(HttpRequest.of("POST", path, null, Map.of("Content-Type", "application/json"),
                body.getBytes(StandardCharsets.UTF_8)));
    }

    /** The 400, its message, and the invariants every binding error keeps. */
    private String refused(String path, String body) {
        HttpResponse r = post(path, body);
        assertThat(r.status()).as(body).isEqualTo(400);
        JsonNode json = JsonCodec.parse(r.body());
        assertThat(json.get("error").asText()).isEqualTo("invalid_command");
        String text = r.bodyText();
        assertThat(text).doesNotContain("class", "dev.tally", "org.", "com.fasterxml", "Jackson", "FAIL_ON",
                "Feature", "LibraryApp", "$");
        assertThat(books.read("b1", ReadOptions.ALL)).as("nothing appended").isEmpty();
        return json.get("message").asText();
    }

    @Test
    void anUnknownFieldIsNamedWithTheCommandsOwnFields() {
        assertThat(refused(LEND, "{\"memberId\": \"m1\", \"dueDate\": \"2027-01-31T12:00:00Z\", \"extra\": 1}"))
                .isEqualTo("field 'extra' is not a field of Lend (its fields: memberId (string), dueDate (ISO-8601"
                        + " instant such as 2027-01-31T12:00:00Z)); send e.g. {\"memberId\":\"text\","
                        + "\"dueDate\":\"2027-01-31T12:00:00Z\"}");
    }

    @Test
    void aMissingFieldIsNamedWithItsType() {
        assertThat(refused(LEND, "{\"memberId\": \"m1\"}")).isEqualTo("field 'dueDate' is missing: Lend needs it as"
                + " an ISO-8601 instant such as 2027-01-31T12:00:00Z; send e.g. {\"memberId\":\"text\","
                + "\"dueDate\":\"2027-01-31T12:00:00Z\"}");
    }

    @Test
    void aNullFieldIsRefused() {
        assertThat(refused(LEND, "{\"memberId\": null, \"dueDate\": \"2027-01-31T12:00:00Z\"}"))
                .startsWith("field 'memberId' is null: Lend needs a string; send e.g. {\"memberId\":\"text\"");
    }

    @Test
    void aNumberForAStringIsRefused() {
        assertThat(refused(LEND, "{\"memberId\": 42, \"dueDate\": \"2027-01-31T12:00:00Z\"}"))
                .startsWith("field 'memberId' must be a string, got the number 42; send e.g. ");
    }

    @Test
    void aNumberForAnInstantIsRefused() {
        assertThat(refused(LEND, "{\"memberId\": \"m1\", \"dueDate\": 1767225600}"))
                .startsWith("field 'dueDate' must be an ISO-8601 instant such as 2027-01-31T12:00:00Z, got the number"
                        + " 1767225600; send e.g. ");
        assertThat(refused(LEND, "{\"memberId\": \"m1\", \"dueDate\": \"tomorrow\"}"))
                .contains("got the text \"tomorrow\"");
    }

    @Test
    void aStringOrAFractionForAWholeNumberIsRefused() {
        assertThat(refused(SHELVE, GOOD_SHELVE.replace("\"copies\": 2", "\"copies\": \"2\"")))
                .startsWith("field 'copies' must be a whole number, got the text \"2\"; send e.g. {\"title\":\"text\","
                        + "\"copies\":100,\"genre\":\"NOVEL\",\"since\":\"2027-01-31T12:00:00Z\",\"place\":"
                        + "{\"room\":\"text\",\"row\":100},\"tags\":[\"text\"],\"signed\":true}");
        assertThat(refused(SHELVE, GOOD_SHELVE.replace("\"copies\": 2", "\"copies\": 2.5")))
                .startsWith("field 'copies' must be a whole number, got the number 2.5");
    }

    @Test
    void anEnumNamesItsValues() {
        assertThat(refused(SHELVE, GOOD_SHELVE.replace("\"NOVEL\"", "\"COMIC\"")))
                .startsWith("field 'genre' must be one of NOVEL, POETRY, HISTORY, got the text \"COMIC\"");
    }

    @Test
    void aNestedRecordIsCheckedFieldByField() {
        assertThat(refused(SHELVE, GOOD_SHELVE.replace("{\"room\": \"A\", \"row\": 3}", "\"A3\"")))
                .startsWith("field 'place' must be an object, got the text \"A3\"");
        assertThat(refused(SHELVE, GOOD_SHELVE.replace("\"row\": 3", "\"row\": \"3\"")))
                .startsWith("field 'place.row' must be a whole number, got the text \"3\"");
        assertThat(refused(SHELVE, GOOD_SHELVE.replace(", \"row\": 3", "")))
                .startsWith("field 'place.row' is missing");
    }

    @Test
    void listsAndBooleansSayWhatTheyTake() {
        assertThat(refused(SHELVE, GOOD_SHELVE.replace("[\"sf\"]", "[1]")))
                .startsWith("field 'tags[0]' must be a string, got the number 1");
        assertThat(refused(SHELVE, GOOD_SHELVE.replace("[\"sf\"]", "\"sf\"")))
                .startsWith("field 'tags' must be a list of strings, got the text \"sf\"");
        assertThat(refused(SHELVE, GOOD_SHELVE.replace("\"signed\": false", "\"signed\": \"no\"")))
                .startsWith("field 'signed' must be true or false, got the text \"no\"");
    }

    @Test
    void invalidJsonGetsAnExampleOfThisCommandAndNoParserNames() {
        HttpResponse r = post(LEND, "{\"memberId\": ");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.bodyText()).contains("invalid_json", "not valid JSON",
                "{\\\"memberId\\\":\\\"text\\\",\\\"dueDate\\\":\\\"2027-01-31T12:00:00Z\\\"}")
                .doesNotContain("amount", "Feature", "com.fasterxml", "Source");
    }

    @Test
    void aBodyThatFitsIsAppended() {
        assertThat(post(SHELVE, GOOD_SHELVE).status()).isEqualTo(200);
        assertThat(post(LEND, "{\"memberId\": \"m1\", \"dueDate\": \"2027-01-31T12:00:00Z\"}").bodyText())
                .isEqualTo("{\"aggregateId\":\"b1\",\"version\":2}");
    }
}
