package dev.tally.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tally.core.EventMetadata;
import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.RecordedEvent;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.spi.LedgerAdapter;
import dev.tally.core.spi.PrunableLedger;
import dev.tally.core.query.EventFilter;
import dev.tally.core.query.EventPosition;
import dev.tally.core.query.EventQueries;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link EventQueries} must do, against the ledger it reads. Extend it in the adapter's
 * tests; every test uses its own stores, type names, correlation ids and a time window of its own
 * in the past, so one ledger may serve every test (and other suites).
 */
public abstract class EventQueriesContract {

    /** The ledger the queries read, against a real engine. */
    protected abstract LedgerAdapter ledger();

    /** The queries under test, over {@link #ledger()}. */
    protected abstract EventQueries queries();

    private String suffix;
    private Instant t0;

    @BeforeEach
    void freshNames() {
        suffix = UUID.randomUUID().toString().substring(0, 8);
        // a window of its own: a random minute between 2001 and 2020
        t0 = Instant.parse("2001-01-01T00:00:00Z").plus(Duration.ofMinutes(ThreadLocalRandom.current()
                .nextLong(10_000_000)));
    }

    private String store(String name) {
        return name + "-" + suffix;
    }

    private RecordedEvent event(String store, String id, long version, String type, long secondsAfterT0,
                                String correlationId) {
        return new RecordedEvent(store, id, version, type, 1, t0.plusSeconds(secondsAfterT0),
                JsonCodec.object().put("n", version), correlationId == null ? EventMetadata.empty()
                : EventMetadata.of(correlationId, "cause-" + suffix, "tester"));
    }

    private List<RecordedEvent> all(EventFilter filter, int pageSize) {
        List<RecordedEvent> out = new ArrayList<>();
        PageRequest request = PageRequest.first(pageSize);
        for (int pages = 0; pages < 1_000; pages++) {
            Page<RecordedEvent> page = queries().find(filter, request);
            out.addAll(page.items());
            if (page.isLast()) {
                return out;
            }
            request = request.next(page.nextCursor());
        }
        throw new AssertionError("more than 1000 pages");
    }

    @Test
    void byTypeFindsEveryStoreInTimestampOrder() {
        String type = "Credited" + suffix;
        RecordedEvent a1 = event(store("a"), "x", 1, type, 30, null);
        RecordedEvent a2 = event(store("a"), "x", 2, "Other" + suffix, 31, null);
        RecordedEvent a3 = event(store("a"), "x", 3, type, 32, null);
        RecordedEvent b1 = event(store("b"), "y", 1, type, 10, null);
        ledger().append(List.of(a1, a2, a3));
        ledger().append(List.of(b1));

        assertEquals(List.of(b1, a1, a3), all(EventFilter.ofType(type), 100));
    }

    @Test
    void byCorrelationIdFindsWhatOneRequestCausedInEveryStore() {
        String corr = "corr-" + suffix;
        RecordedEvent order = event(store("order"), "o1", 1, "Placed", 1, corr);
        RecordedEvent stock = event(store("inventory"), "sku", 1, "Reserved", 2, corr);
        RecordedEvent other = event(store("inventory"), "sku", 2, "Reserved", 3, "corr-other-" + suffix);
        RecordedEvent none = event(store("inventory"), "sku", 3, "Restocked", 4, null);
        RecordedEvent debit = event(store("bank"), "acc", 1, "Debited", 5, corr);
        ledger().append(List.of(order));
        ledger().append(List.of(stock, other, none));
        ledger().append(List.of(debit));

        assertEquals(List.of(order, stock, debit), all(EventFilter.ofCorrelationId(corr), 100));
    }

    @Test
    void timeRangeIsInclusiveSinceAndExclusiveUntil() {
        RecordedEvent before = event(store("a"), "x", 1, "T", 0, null);
        RecordedEvent atSince = event(store("a"), "x", 2, "T", 60, null);
        RecordedEvent inside = event(store("b"), "y", 1, "T", 90, null);
        RecordedEvent atUntil = event(store("a"), "x", 3, "T", 120, null);
        RecordedEvent nextDay = event(store("a"), "x", 4, "T", 86_400 + 60, null);
        ledger().append(List.of(before, atSince, atUntil, nextDay));
        ledger().append(List.of(inside));

        assertEquals(List.of(atSince, inside),
                all(EventFilter.between(t0.plusSeconds(60), t0.plusSeconds(120)), 100));
        assertEquals(List.of(atSince, inside, atUntil, nextDay),
                all(EventFilter.between(t0.plusSeconds(60), t0.plusSeconds(2 * 86_400)), 100));
    }

    @Test
    void conditionsCombine() {
        String corr = "corr-" + suffix;
        String type = "Debited" + suffix;
        RecordedEvent match = event(store("a"), "x", 1, type, 10, corr);
        RecordedEvent otherType = event(store("a"), "x", 2, "Credited" + suffix, 11, corr);
        RecordedEvent tooLate = event(store("a"), "x", 3, type, 100, corr);
        RecordedEvent otherCorr = event(store("b"), "y", 1, type, 12, "else-" + suffix);
        ledger().append(List.of(match, otherType, tooLate));
        ledger().append(List.of(otherCorr));

        EventFilter filter = new EventFilter(type, corr, t0, t0.plusSeconds(50));
        assertEquals(List.of(match), all(filter, 100));
        assertEquals(List.of(match, otherCorr), all(new EventFilter(type, null, t0, t0.plusSeconds(50)), 100));
    }

    @Test
    void pagesAreStableAndTiesBreakByStoreIdAndVersion() {
        String type = "Tick" + suffix;
        List<RecordedEvent> expected = new ArrayList<>();
        for (String id : List.of("b", "a", "c")) {
            List<RecordedEvent> stream = new ArrayList<>();
            for (int v = 1; v <= 3; v++) {
                stream.add(event(store("s"), id, v, type, 5, null)); // all at the same instant
            }
            ledger().append(stream);
        }
        RecordedEvent earlier = event(store("r"), "z", 1, type, 4, null);
        ledger().append(List.of(earlier));
        expected.add(earlier);
        for (String id : List.of("a", "b", "c")) {
            for (int v = 1; v <= 3; v++) {
                expected.add(event(store("s"), id, v, type, 5, null));
            }
        }

        Page<RecordedEvent> first = queries().find(EventFilter.ofType(type), PageRequest.first(4));
        assertEquals(expected.subList(0, 4), first.items());
        assertNotNull(first.nextCursor());
        for (int size : new int[] {1, 3, 4, 9, 10}) {
            assertEquals(expected, all(EventFilter.ofType(type), size), "page size " + size);
        }
        Page<RecordedEvent> whole = queries().find(EventFilter.ofType(type), PageRequest.first(10));
        assertNull(whole.nextCursor(), "the last page has no cursor");
        assertEquals(expected, queries().find(EventFilter.ofType(type), PageRequest.first(10)).items(),
                "the same query twice gives the same order");
    }

    @Test
    void anEventAppendedLaterIsOnALaterPage() {
        String type = "Late" + suffix;
        RecordedEvent e1 = event(store("a"), "x", 1, type, 1, null);
        RecordedEvent e2 = event(store("a"), "x", 2, type, 2, null);
        ledger().append(List.of(e1, e2));
        Page<RecordedEvent> first = queries().find(EventFilter.ofType(type), PageRequest.first(2));
        assertEquals(List.of(e1, e2), first.items());
        RecordedEvent e3 = event(store("a"), "x", 3, type, 3, null);
        ledger().append(List.of(e3));
        String cursor = first.nextCursor() != null ? first.nextCursor() : EventPosition.of(e2).cursor();
        assertEquals(List.of(e3), queries().find(EventFilter.ofType(type), new PageRequest(cursor, 2)).items());
    }

    @Test
    void aCursorThatWasNotGivenIsRefusedClearly() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> queries().find(EventFilter.ofType("T" + suffix), new PageRequest("not-a-cursor!", 10)));
        assertEquals(true, e.getMessage().contains("nextCursor"), e.getMessage());
    }

    @Test
    void archivedEventsAreNotFound() {
        if (!(ledger() instanceof PrunableLedger prunable)) {
            return; // this ledger cannot archive
        }
        String type = "Kept" + suffix;
        // ledgers delete archived versions only below the archive marker
        List<RecordedEvent> stream = List.of(event(store("a"), "x", 1, type, 1, null),
                event(store("a"), "x", 2, type, 2, null),
                event(store("a"), "x", 3, dev.tally.core.StreamArchived.TYPE_NAME, 3, null));
        ledger().append(stream);
        prunable.deleteThrough(store("a"), "x", 2);
        assertEquals(List.of(), all(EventFilter.ofType(type), 10));
        assertEquals(stream.subList(2, 3), all(EventFilter.between(t0, t0.plusSeconds(10)), 10));
    }
}
