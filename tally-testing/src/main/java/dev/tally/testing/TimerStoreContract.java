package dev.tally.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tally.core.saga.Timer;
import dev.tally.core.spi.TimerStore;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What every polled {@link TimerStore} must do: keep a timer durably until it fired, hand it out
 * only once it is due, earliest first, and take scheduling and cancelling twice calmly (sagas do
 * both again on every redelivery).
 */
public abstract class TimerStoreContract {
    private static final Instant NOW = Instant.parse("2030-06-01T12:00:00Z");

    /**
     * A store on this test class's storage. Called more than once: every store it returns must see
     * what the others stored (a new instance on the same table or schema where the backend has one).
     * The storage may be shared between tests: each test looks only at its own saga's timers.
     */
    protected abstract TimerStore openStore();

    private static String saga(String hint) {
        return hint + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static Timer timer(String saga, String name, Instant dueAt) {
        String id = (saga + "-" + name).replaceAll("[^A-Za-z0-9_.-]", "-");
        return new Timer(id.length() > 64 ? id.substring(id.length() - 64) : id, saga, "instance-1", name, dueAt,
                "{\"reason\":\"deadline\"}");
    }

    private static List<Timer> mine(List<Timer> timers, String saga) {
        return timers.stream().filter(t -> t.sagaName().equals(saga)).toList();
    }

    @Test
    void aTimerIsNotDueBeforeItsTimeAndIsDueFromIt() {
        TimerStore store = openStore();
        String saga = saga("due");
        Timer t = timer(saga, "deadline", NOW);
        store.schedule(t);
        assertEquals(List.of(), mine(store.due(NOW.minusMillis(1), 1000), saga));
        assertEquals(List.of(t), mine(store.due(NOW, 1000), saga));
        assertEquals(List.of(t), mine(store.due(NOW.plusSeconds(3600), 1000), saga));
    }

    @Test
    void everyFieldComesBackAsStored() {
        TimerStore store = openStore();
        String saga = saga("fields");
        Timer t = new Timer("fields-" + UUID.randomUUID().toString().substring(0, 8), saga, "order-42",
                "payment-deadline", Instant.parse("2030-06-01T11:59:59.123Z"), "{\"a\":[1,2],\"b\":\"x\"}");
        store.schedule(t);
        Timer back = mine(openStore().due(NOW, 1000), saga).get(0);
        assertEquals(t.id(), back.id());
        assertEquals("order-42", back.sagaId());
        assertEquals("payment-deadline", back.name());
        assertEquals(t.dueAt(), back.dueAt());
        assertTrue(back.payload().contains("\"a\"") && back.payload().contains("\"b\""), back.payload());
    }

    @Test
    void schedulingTheSameIdTwiceStoresOne() {
        TimerStore store = openStore();
        String saga = saga("twice");
        Timer t = timer(saga, "deadline", NOW.minusSeconds(5));
        store.schedule(t);
        store.schedule(t);
        openStore().schedule(t);
        assertEquals(List.of(t), mine(store.due(NOW, 1000), saga));
    }

    @Test
    void aCancelledTimerNeverComesDueAndCancellingTwiceOrUnknownIsFine() {
        TimerStore store = openStore();
        String saga = saga("cancel");
        Timer keep = timer(saga, "keep", NOW.minusSeconds(2));
        Timer drop = timer(saga, "drop", NOW.minusSeconds(1));
        store.schedule(keep);
        store.schedule(drop);
        store.cancel(drop.id());
        store.cancel(drop.id());
        store.cancel("never-scheduled-" + UUID.randomUUID().toString().substring(0, 8));
        assertEquals(List.of(keep), mine(openStore().due(NOW, 1000), saga));
    }

    @Test
    void aFiredTimerIsGoneAndFiringTwiceIsFine() {
        TimerStore store = openStore();
        String saga = saga("fired");
        Timer t = timer(saga, "deadline", NOW.minusSeconds(1));
        store.schedule(t);
        store.fired(t.id());
        store.fired(t.id());
        assertEquals(List.of(), mine(store.due(NOW.plusSeconds(86400), 1000), saga));
    }

    @Test
    void aTimerSurvivesANewStoreOnTheSameStorageUntilItFired() {
        String saga = saga("restart");
        Timer t = timer(saga, "deadline", NOW.minusSeconds(1));
        openStore().schedule(t);
        TimerStore reopened = openStore();
        assertEquals(List.of(t), mine(reopened.due(NOW, 1000), saga));
        assertEquals(List.of(t), mine(reopened.due(NOW, 1000), saga), "due() alone removes nothing: a crash before"
                + " fired() fires the timer again");
        reopened.fired(t.id());
        assertEquals(List.of(), mine(openStore().due(NOW, 1000), saga));
    }

    @Test
    void dueTimersComeEarliestFirstAndAtMostLimit() {
        // the only test with timers before 1980: nothing else is due at these instants
        TimerStore store = openStore();
        String saga = saga("order");
        Instant base = Instant.parse("1975-01-01T00:00:00Z");
        Timer third = timer(saga, "c", base.plusSeconds(30));
        Timer first = timer(saga, "a", base.plusSeconds(10));
        Timer second = timer(saga, "b", base.plusSeconds(20));
        Timer later = timer(saga, "d", base.plusSeconds(3600));
        for (Timer t : List.of(third, first, later, second)) {
            store.schedule(t);
        }
        Instant at = base.plusSeconds(60);
        assertEquals(List.of(first, second, third), store.due(at, 1000));
        assertEquals(List.of(first, second), store.due(at, 2));
        store.fired(first.id());
        assertEquals(List.of(second, third), store.due(at, 2));
        for (Timer t : List.of(second, third, later)) {
            store.fired(t.id());
        }
    }
}
