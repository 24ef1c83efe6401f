package dev.tally.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.EventMetadata;
import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.ledger.DuplicateCommand;
import dev.tally.core.spi.LedgerAdapter;
import dev.tally.core.ledger.VersionConflict;
import dev.tally.core.ledger.VersionGap;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link LedgerAdapter} must do. Extend it in the adapter's tests and return the
 * adapter from {@link #ledger()}; each test uses its own store name, so one adapter instance may
 * serve every test.
 */
public abstract class LedgerAdapterContract {

    /** The adapter under test, against a real engine. */
    protected abstract LedgerAdapter ledger();

    protected String store;

    @BeforeEach
    void freshStore() {
        store = TestEvents.uniqueStore("ledger");
    }

    @Test
    void appendedEventsReadBackUnchanged() {
        ObjectNode payload = JsonCodec.object();
        payload.put("amount", 1234567890123L);
        payload.put("text", "héllo \"world\" ✓");
        payload.put("flag", true);
        payload.putNull("nothing");
        payload.put("ratio", 0.25);
        payload.putArray("tags").add("a").add(2).addObject().put("deep", "yes");
        payload.putObject("nested").putObject("more").put("x", -1);
        EventMetadata metadata = new EventMetadata("corr-1", "cause-1", "alice", Map.of("trace", "t-1"));
        RecordedEvent e1 = TestEvents.event(store, "a-1", 1, "Opened", payload, metadata);
        RecordedEvent e2 = TestEvents.event(store, "a-1", 2);
        ledger().append(List.of(e1));
        ledger().append(List.of(e2));

        List<RecordedEvent> read = ledger().read(store, "a-1", ReadOptions.ALL);
        assertEquals(List.of(e1, e2), read);
    }

    @Test
    void duplicateVersionIsAVersionConflictAndNeverOverwrites() {
        RecordedEvent first = TestEvents.event(store, "a-1", 1);
        ledger().append(List.of(first));
        ObjectNode other = JsonCodec.object().put("n", 999);
        RecordedEvent rival = TestEvents.event(store, "a-1", 1, "Rival", other, EventMetadata.empty());

        VersionConflict conflict = assertThrows(VersionConflict.class, () -> ledger().append(List.of(rival)));
        assertEquals(1, conflict.attemptedVersion());
        assertEquals("a-1", conflict.aggregateId());
        assertEquals(List.of(first), ledger().read(store, "a-1", ReadOptions.ALL));
    }

    @Test
    void aGapIsRefusedAndNothingIsWritten() {
        ledger().append(TestEvents.stream(store, "a-1", 1, 2));
        assertThrows(VersionGap.class, () -> ledger().append(List.of(TestEvents.event(store, "a-1", 4))));
        assertEquals(2, ledger().read(store, "a-1", ReadOptions.ALL).size());
    }

    @Test
    void aNewStreamMustStartAtVersionOne() {
        assertThrows(VersionGap.class, () -> ledger().append(List.of(TestEvents.event(store, "fresh", 2))));
        assertTrue(ledger().read(store, "fresh", ReadOptions.ALL).isEmpty());
        assertTrue(ledger().listAggregateIds(store, PageRequest.first(10)).items().isEmpty());
    }

    @Test
    void severalEventsOfOneStreamInOneAppend() {
        ledger().append(TestEvents.stream(store, "a-1", 1, 5));
        ledger().append(TestEvents.stream(store, "a-1", 6, 8));
        assertEquals(8, ledger().read(store, "a-1", ReadOptions.ALL).size());
        assertThrows(VersionConflict.class, () -> ledger().append(TestEvents.stream(store, "a-1", 8, 9)));
        assertEquals(8, ledger().read(store, "a-1", ReadOptions.ALL).size());
    }

    @Test
    void nonContiguousEventsInOneAppendAreRejectedBeforeAnyWrite() {
        List<RecordedEvent> bad = List.of(TestEvents.event(store, "a-1", 1), TestEvents.event(store, "a-1", 3));
        assertThrows(IllegalArgumentException.class, () -> ledger().append(bad));
        assertTrue(ledger().read(store, "a-1", ReadOptions.ALL).isEmpty());
    }

    @Test
    void anEventGroupAcrossAggregatesIsAllOrNothing() {
        ledger().append(List.of(TestEvents.event(store, "b", 1)));
        // the group: a new stream "a" and a conflicting write on "b"
        List<RecordedEvent> group = List.of(TestEvents.event(store, "a", 1), TestEvents.event(store, "a", 2),
                TestEvents.event(store, "b", 1));
        assertThrows(VersionConflict.class, () -> ledger().append(group));
        assertTrue(ledger().read(store, "a", ReadOptions.ALL).isEmpty(), "nothing of the group may be written");

        List<RecordedEvent> good = List.of(TestEvents.event(store, "a", 1), TestEvents.event(store, "b", 2));
        ledger().append(good);
        assertEquals(1, ledger().read(store, "a", ReadOptions.ALL).size());
        assertEquals(2, ledger().read(store, "b", ReadOptions.ALL).size());
    }

    @Test
    void anEventGroupWithAGapIsRefusedWhole() {
        List<RecordedEvent> group = List.of(TestEvents.event(store, "a", 1), TestEvents.event(store, "b", 2));
        assertThrows(VersionGap.class, () -> ledger().append(group));
        assertTrue(ledger().read(store, "a", ReadOptions.ALL).isEmpty());
    }

    @Test
    void readsVersionRangesForwardAndBackwardWithLimits() {
        ledger().append(TestEvents.stream(store, "a-1", 1, 20));
        assertEquals(List.of(5L, 6L, 7L), versions(ledger().read(store, "a-1", ReadOptions.range(5, 7))));
        assertEquals(List.of(18L, 19L, 20L), versions(ledger().read(store, "a-1", ReadOptions.from(18))));
        assertEquals(List.of(20L, 19L, 18L), versions(ledger().read(store, "a-1", ReadOptions.latest(3))));
        assertEquals(List.of(7L, 6L), versions(ledger().read(store, "a-1", ReadOptions.range(3, 7).reversed().limit(2))));
        assertEquals(List.of(3L, 4L), versions(ledger().read(store, "a-1", ReadOptions.range(3, 7).limit(2))));
        assertEquals(List.of(), versions(ledger().read(store, "a-1", ReadOptions.from(21))));
        assertEquals(List.of(), versions(ledger().read(store, "nobody", ReadOptions.ALL)));
    }

    @Test
    void storesDoNotSeeEachOthersStreams() {
        String other = TestEvents.uniqueStore("other");
        ledger().append(List.of(TestEvents.event(store, "same-id", 1)));
        ledger().append(List.of(TestEvents.event(other, "same-id", 1)));
        assertEquals(1, ledger().read(store, "same-id", ReadOptions.ALL).size());
        assertEquals(store, ledger().read(store, "same-id", ReadOptions.ALL).get(0).store());
        assertEquals(other, ledger().read(other, "same-id", ReadOptions.ALL).get(0).store());
    }

    @Test
    void listsAggregateIdsPageByPage() {
        Set<String> expected = new HashSet<>();
        for (int i = 0; i < 25; i++) {
            String id = "acc-" + i;
            expected.add(id);
            ledger().append(TestEvents.stream(store, id, 1, 1 + (i % 3)));
        }
        ledger().append(List.of(TestEvents.event(TestEvents.uniqueStore("noise"), "acc-x", 1)));

        Set<String> seen = new HashSet<>();
        PageRequest request = PageRequest.first(10);
        int pages = 0;
        while (true) {
            Page<String> page = ledger().listAggregateIds(store, request);
            pages++;
            assertTrue(page.items().size() <= 10, "a page holds at most the requested size");
            for (String id : page.items()) {
                assertTrue(seen.add(id), "id listed twice: " + id);
            }
            if (page.isLast()) {
                break;
            }
            request = request.next(page.nextCursor());
            assertTrue(pages < 10, "paging does not end");
        }
        assertEquals(expected, seen);
    }

    @Test
    void anEmptyStoreListsNothing() {
        Page<String> page = ledger().listAggregateIds(store, PageRequest.first(5));
        assertTrue(page.items().isEmpty());
        assertNull(page.nextCursor());
    }

    @Test
    void concurrentWritersOfOneVersionHaveExactlyOneWinner() throws Exception {
        ledger().append(List.of(TestEvents.event(store, "hot", 1)));
        int writers = 8;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Boolean>> results = new ArrayList<>();
        for (int i = 0; i < writers; i++) {
            int n = i;
            results.add(pool.submit(() -> {
                start.await();
                ObjectNode p = JsonCodec.object().put("writer", n);
                try {
                    ledger().append(List.of(TestEvents.event(store, "hot", 2, "Won", p, EventMetadata.empty())));
                    return true;
                } catch (VersionConflict e) {
                    return false;
                }
            }));
        }
        start.countDown();
        int winners = 0;
        for (Future<Boolean> f : results) {
            winners += f.get(30, TimeUnit.SECONDS) ? 1 : 0;
        }
        pool.shutdown();
        assertEquals(1, winners);
        assertEquals(List.of(1L, 2L), versions(ledger().read(store, "hot", ReadOptions.ALL)));
    }

    @Test
    void aConflictOnAnEventOfAGroupDoesNotHideTheEarlierWinner() {
        RecordedEvent winner = TestEvents.event(store, "x", 1);
        ledger().append(List.of(winner));
        VersionConflict c = assertThrows(VersionConflict.class,
                () -> ledger().append(List.of(TestEvents.event(store, "x", 1))));
        assertFalse(c.getMessage().isBlank());
        assertEquals(winner, ledger().read(store, "x", ReadOptions.ALL).get(0));
    }

    @Test
    void aCommandIdAppliesOncePerStreamAndItsEventsCanBeFoundAgain() {
        EventMetadata command = EventMetadata.empty().withCommandId("cmd-1")
                .withAttribute(EventMetadata.COMMAND_EVENTS, "2");
        RecordedEvent first = TestEvents.event(store, "a-1", 1, "Opened", JsonCodec.object(), command);
        RecordedEvent second = TestEvents.event(store, "a-1", 2);
        ledger().append(List.of(first, second));
        ledger().append(List.of(TestEvents.event(store, "a-1", 3)));

        // the same id again, decided on the new head: refused, nothing written
        RecordedEvent again = TestEvents.event(store, "a-1", 4, "Opened", JsonCodec.object(),
                EventMetadata.empty().withCommandId("cmd-1"));
        DuplicateCommand duplicate = assertThrows(DuplicateCommand.class, () -> ledger().append(List.of(again)));
        assertEquals("cmd-1", duplicate.commandId());
        assertEquals(List.of(1L, 2L, 3L), versions(ledger().read(store, "a-1", ReadOptions.ALL)));
        assertEquals(List.of(first, second), ledger().commandEvents(store, "a-1", "cmd-1"));
        assertTrue(ledger().commandEvents(store, "a-1", "cmd-2").isEmpty());

        // ids are per stream: another aggregate may use the same one
        RecordedEvent elsewhere = TestEvents.event(store, "b-1", 1, "Opened", JsonCodec.object(),
                EventMetadata.empty().withCommandId("cmd-1"));
        ledger().append(List.of(elsewhere));
        assertEquals(List.of(elsewhere), ledger().commandEvents(store, "b-1", "cmd-1"));
    }

    @Test
    void writersRacingWithOneCommandIdAtSuccessiveVersionsApplyItOnce() throws Exception {
        ledger().append(List.of(TestEvents.event(store, "hot", 1)));
        int writers = 6;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Boolean>> results = new ArrayList<>();
        for (int i = 0; i < writers; i++) {
            int n = i;
            results.add(pool.submit(() -> {
                start.await();
                for (int round = 0; round < 50; round++) {
                    long head = ledger().read(store, "hot", ReadOptions.ALL).size();
                    // every writer also appends an event without the id, so heads move under each other
                    EventMetadata m = round % 2 == 0 ? EventMetadata.empty().withCommandId("once")
                            : EventMetadata.empty();
                    try {
                        ledger().append(List.of(TestEvents.event(store, "hot", head + 1, "Tried",
                                JsonCodec.object().put("writer", n), m)));
                    } catch (VersionConflict e) {
                        // lost the race; read the head again
                    } catch (DuplicateCommand e) {
                        return true;
                    }
                }
                return false;
            }));
        }
        start.countDown();
        int refused = 0;
        for (Future<Boolean> f : results) {
            refused += f.get(60, TimeUnit.SECONDS) ? 1 : 0;
        }
        pool.shutdown();
        long carrying = ledger().read(store, "hot", ReadOptions.ALL).stream()
                .filter(e -> e.metadata().commandId().isPresent()).count();
        assertEquals(1, carrying);
        assertTrue(refused >= 1, "a writer repeating the applied id was refused: " + refused);
    }

    /**
     * Transfers a-to-b and b-to-a: groups over the same two streams, listed in opposite orders, racing.
     * Each append is stored whole or refused as a conflict, never failed otherwise (a PostgreSQL
     * deadlock between two such groups once reached a user as an unknown failure).
     */
    @Test
    void groupsOverTheSameStreamsInOppositeOrdersAreEachStoredOrAConflict() throws Exception {
        ledger().append(List.of(TestEvents.event(store, "a", 1), TestEvents.event(store, "b", 1)));
        int writers = 4;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> results = new ArrayList<>();
        for (int i = 0; i < writers; i++) {
            boolean aFirst = i % 2 == 0;
            results.add(pool.submit(() -> {
                start.await();
                int stored = 0;
                for (int round = 0; round < 60; round++) {
                    long a = ledger().read(store, "a", ReadOptions.ALL).size() + 1;
                    long b = ledger().read(store, "b", ReadOptions.ALL).size() + 1;
                    RecordedEvent onA = TestEvents.event(store, "a", a);
                    RecordedEvent onB = TestEvents.event(store, "b", b);
                    try {
                        ledger().append(aFirst ? List.of(onA, onB) : List.of(onB, onA));
                        stored++;
                    } catch (VersionConflict e) {
                        // lost the race; read the heads again
                    }
                }
                return stored;
            }));
        }
        start.countDown();
        int stored = 0;
        for (Future<Integer> f : results) {
            stored += f.get(120, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertTrue(stored > 0, "some group was stored");
        // both streams moved together: every stored group is on both, none half-written
        assertEquals(stored + 1, ledger().read(store, "a", ReadOptions.ALL).size());
        assertEquals(stored + 1, ledger().read(store, "b", ReadOptions.ALL).size());
    }

    protected static List<Long> versions(List<RecordedEvent> events) {
        List<Long> out = new ArrayList<>();
        events.forEach(e -> out.add(e.version()));
        return out;
    }
}
