package dev.tally.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.EventStore;
import dev.tally.core.ReadOptions;
import dev.tally.core.memory.InMemoryLedger;
import dev.tally.testing.http.LibraryApp;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The store routes' refusals that append nothing. */
class StoreRoutesTest {
    private final EventStore<LibraryApp.Book> books = EventStore.builder(LibraryApp.BOOK, new InMemoryLedger()).build();
    private final TallyHttp http = new TallyHttp(Map.of("book", books), Map.of(), List.of(),
            IdempotencyKeys.withoutAnswers(), TallyHttp.Options.DEFAULTS);

    private HttpResponse post(String path, String body) {
        return http.answer(HttpRequest.of("POST", path, null, Map.of(), body.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void forgetOnAStoreWithoutPersonalDataIs409AndAppendsNothing() {
        assertThat(post("/api/stores/book/b1/commands/Shelve", "{\"title\": \"Dune\", \"copies\": 1, \"genre\":"
                + " \"NOVEL\", \"since\": \"2027-01-31T12:00:00Z\", \"place\": {\"room\": \"A\", \"row\": 1},"
                + " \"tags\": [], \"signed\": true}").status()).isEqualTo(200);
        HttpResponse r = post("/api/forget/book/b1", "");
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.bodyText()).contains("\"error\":\"no_personal_data\"", "declares no personal data",
                "nothing was appended");
        assertThat(books.read("b1", ReadOptions.ALL)).hasSize(1);
    }
}
