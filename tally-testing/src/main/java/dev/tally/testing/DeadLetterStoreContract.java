package dev.tally.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.EventMetadata;
import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.message.Message;
import dev.tally.core.message.MessageKind;
import dev.tally.core.message.NotificationMessage;
import dev.tally.core.message.StateCarryingMessage;
import dev.tally.core.runtime.DeadLetter;
import dev.tally.core.runtime.DeadLetterSource;
import dev.tally.core.spi.DeadLetterStore;
import dev.tally.core.runtime.MessageRef;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What every {@link DeadLetterStore} must do: keep each letter whole (source, reference, body,
 * error, attempts, time) until it is removed, page through all of them with no letter twice or
 * missing, and count them.
 */
public abstract class DeadLetterStoreContract {

    /** A store with no letters in it (a fresh table, schema or instance for each call). */
    protected abstract DeadLetterStore emptyStore();

    /**
     * The size above which the store keeps a body as a reference only (UTF-8 bytes of the wire
     * form), or empty when it keeps bodies of any size.
     */
    protected OptionalInt maxBodyBytes() {
        return OptionalInt.empty();
    }

    /** Whether pages come in (failedAt, id) order; otherwise only "each letter once" is checked. */
    protected boolean pagesInFailureOrder() {
        return false;
    }

    private static final Instant T0 = Instant.parse("2026-11-29T17:21:00.123Z");

    protected static StateCarryingMessage message(String store, String id, long version) {
        ObjectNode payload = JsonCodec.object().put("amount", 30 + version);
        payload.putObject("note").put("text", "naïve café ☕ \"quoted\" \\ back").put("n", 1.5);
        ObjectNode state = JsonCodec.object().put("balance", 70L * version).put("big", Long.MAX_VALUE);
        state.put("exact", new BigDecimal("12345678901234567890.0001"));
        state.putArray("tags").add("a").add(2).add(true);
        state.putNull("nothing");
        EventMetadata metadata = new EventMetadata("corr-" + version, "cause-" + version, "tester",
                Map.of("tenant", "t1"));
        return new StateCarryingMessage(TestEvents.event(store, id, version, "Debited", payload, metadata), state);
    }

    protected static DeadLetter letter(String id, DeadLetterSource source, Message m, Instant at) {
        return new DeadLetter(id, source, MessageRef.of(m), m, "boom: " + id, 4, at);
    }

    @Test
    void anAddedLetterReadsBackWhole() {
        DeadLetterStore store = emptyStore();
        StateCarryingMessage m = message("bank-account", "alice", 3);
        DeadLetter d = letter("one", new DeadLetterSource.BusTarget("balance"), m, T0);
        store.add(d);

        DeadLetter read = store.get("one").orElseThrow();
        assertEquals(d, read);
        assertEquals(m, read.message(), "the body round-trips intact");
        assertEquals(m.state(), ((StateCarryingMessage) read.message()).state());
        assertEquals(m.event(), read.message().event());
        assertTrue(store.get("other").isEmpty());
    }

    @Test
    void aNotificationLetterReadsBackWhole() {
        DeadLetterStore store = emptyStore();
        NotificationMessage n = new NotificationMessage(TestEvents.event("orders", "o-1", 7));
        DeadLetter d = letter("note", new DeadLetterSource.Queue("orders-queue"), n, T0);
        store.add(d);
        assertEquals(d, store.get("note").orElseThrow());
        assertEquals(MessageKind.NOTIFICATION, store.get("note").orElseThrow().ref().kind());
    }

    @Test
    void everyKindOfSourceRoundTrips() {
        DeadLetterStore store = emptyStore();
        List<DeadLetterSource> sources = List.of(new DeadLetterSource.BusTarget("balance"),
                new DeadLetterSource.Feed("balance"), new DeadLetterSource.Feed("stream:bank-ledger/shard-0001"),
                new DeadLetterSource.Queue("orders-queue"));
        for (int i = 0; i < sources.size(); i++) {
            store.add(letter("s" + i, sources.get(i), message("bank-account", "a" + i, 1), T0.plusSeconds(i)));
        }
        for (int i = 0; i < sources.size(); i++) {
            DeadLetterSource read = store.get("s" + i).orElseThrow().source();
            assertEquals(sources.get(i), read);
            assertEquals(sources.get(i).getClass(), read.getClass(), "the source's type, not only its name");
        }
    }

    @Test
    void aReferenceOnlyLetterRoundTripsWithoutABody() {
        DeadLetterStore store = emptyStore();
        MessageRef ref = new MessageRef(MessageKind.STATE_CARRYING, "bank-account", "bob", 12);
        DeadLetter d = DeadLetter.reference(new DeadLetterSource.Feed("balance"), ref,
                "the ledger record could not be decoded", 1, T0);
        store.add(d);
        DeadLetter read = store.get(d.id()).orElseThrow();
        assertFalse(read.hasBody());
        assertNull(read.message());
        assertEquals(d, read);
    }

    @Test
    void aBodyOverTheStoresLimitIsKeptAsAReference() {
        OptionalInt limit = maxBodyBytes();
        if (limit.isEmpty()) {
            return; // this store keeps bodies of any size
        }
        DeadLetterStore store = emptyStore();
        ObjectNode state = JsonCodec.object().put("blob", "x".repeat(limit.getAsInt() + 1));
        StateCarryingMessage big = new StateCarryingMessage(TestEvents.event("docs", "d-1", 2), state);
        DeadLetter d = letter("big", new DeadLetterSource.BusTarget("search"), big, T0);
        store.add(d);
        DeadLetter read = store.get("big").orElseThrow();
        assertFalse(read.hasBody(), "a body over the limit is dropped, not refused and not retried");
        assertEquals(MessageRef.of(big), read.ref(), "the reference to the ledger event is kept");
        assertEquals(d.withoutBody(), read);

        StateCarryingMessage small = message("docs", "d-2", 1);
        store.add(letter("small", new DeadLetterSource.BusTarget("search"), small, T0));
        assertEquals(small, store.get("small").orElseThrow().message(), "a body under the limit is kept");
    }

    @Test
    void removeTakesALetterOutOnce() {
        DeadLetterStore store = emptyStore();
        store.add(letter("a", new DeadLetterSource.BusTarget("balance"), message("s", "x", 1), T0));
        store.add(letter("b", new DeadLetterSource.BusTarget("balance"), message("s", "y", 1), T0.plusMillis(1)));
        assertEquals(2, store.count());
        assertTrue(store.remove("a"));
        assertFalse(store.remove("a"), "a second remove finds nothing");
        assertFalse(store.remove("never-added"));
        assertTrue(store.get("a").isEmpty());
        assertEquals(1, store.count());
        assertEquals(List.of("b"), ids(store.list()));
    }

    @Test
    void addingTheSameIdAgainReplacesTheLetter() {
        DeadLetterStore store = emptyStore();
        StateCarryingMessage m = message("s", "x", 1);
        store.add(letter("a", new DeadLetterSource.BusTarget("balance"), m, T0));
        DeadLetter again = new DeadLetter("a", new DeadLetterSource.BusTarget("balance"), MessageRef.of(m), m,
                "failed again", 8, T0.plusSeconds(5));
        store.add(again);
        assertEquals(1, store.count());
        assertEquals(again, store.get("a").orElseThrow());
    }

    @Test
    void anEmptyStoreHasNoPagesAndCountsZero() {
        DeadLetterStore store = emptyStore();
        assertEquals(0, store.count());
        Page<DeadLetter> page = store.page(PageRequest.first(10));
        assertTrue(page.items().isEmpty());
        assertTrue(page.isLast());
    }

    @Test
    void pagesReturnEveryLetterOnceAcrossSeveralPages() {
        DeadLetterStore store = emptyStore();
        int n = 23;
        List<DeadLetter> added = new ArrayList<>();
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(9));
        for (int i : order) {
            // two letters at the same instant: the id breaks the tie
            Instant at = T0.plusSeconds(i / 2);
            DeadLetter d = letter("dl-" + UUID.randomUUID(), new DeadLetterSource.BusTarget("balance"),
                    message("bank-account", "acc-" + i, 1 + i), at);
            store.add(d);
            added.add(d);
        }
        assertEquals(n, store.count());

        List<DeadLetter> seen = new ArrayList<>();
        int pages = 0;
        PageRequest request = PageRequest.first(5);
        while (true) {
            Page<DeadLetter> page = store.page(request);
            pages++;
            assertTrue(page.items().size() <= 5, "a page holds at most the size asked for");
            seen.addAll(page.items());
            if (page.isLast()) {
                break;
            }
            assertNotNull(page.nextCursor());
            request = request.next(page.nextCursor());
            assertTrue(pages <= n + 1, "paging ends");
        }
        assertTrue(pages >= 5, "23 letters in pages of 5 take at least 5 pages, took " + pages);
        assertEquals(n, seen.size(), "each letter once: " + ids(seen));
        assertEquals(new HashSet<>(added), new HashSet<>(seen), "every letter, whole");
        assertEquals(added.size(), new HashSet<>(ids(seen)).size());
        if (pagesInFailureOrder()) {
            List<DeadLetter> sorted = new ArrayList<>(added);
            sorted.sort((a, b) -> a.failedAt().equals(b.failedAt()) ? a.id().compareTo(b.id())
                    : a.failedAt().compareTo(b.failedAt()));
            assertEquals(ids(sorted), ids(seen), "pages in (failedAt, id) order");
        }
    }

    @Test
    void countCountsWithoutPaging() {
        DeadLetterStore store = emptyStore();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 12; i++) {
            DeadLetter d = letter("c" + i, new DeadLetterSource.Feed("runner"), message("s", "a" + i, 1),
                    T0.plus(i, ChronoUnit.MILLIS));
            store.add(d);
            ids.add(d.id());
        }
        assertEquals(12, store.count());
        store.remove("c3");
        assertEquals(11, store.count());
        ids.remove("c3");
        assertEquals(ids, new HashSet<>(ids(store.list())));
    }

    @Test
    void removingEachLetterOfAPageWhilePagingSkipsNoneOfTheOthers() {
        DeadLetterStore store = emptyStore();
        for (int i = 0; i < 25; i++) {
            store.add(letter("r" + i, new DeadLetterSource.BusTarget("balance"), message("s", "a" + i, 1),
                    T0.plus(i, ChronoUnit.MILLIS)));
        }
        Set<String> seen = new HashSet<>();
        PageRequest request = PageRequest.first(4);
        while (true) {
            Page<DeadLetter> page = store.page(request);
            for (DeadLetter d : page.items()) {
                assertTrue(seen.add(d.id()), "a letter came twice: " + d.id());
                assertTrue(store.remove(d.id()), "as a redrive of each does");
            }
            if (page.isLast()) {
                break;
            }
            request = request.next(page.nextCursor());
        }
        assertEquals(25, seen.size(), "no letter skipped");
        assertEquals(0, store.count());
    }

    private static List<String> ids(List<DeadLetter> letters) {
        return letters.stream().map(DeadLetter::id).toList();
    }
}
