package dev.tally.core;

import static dev.tally.core.Fixtures.TOTAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.Fixtures.Added;
import dev.tally.core.Fixtures.Decide;
import dev.tally.core.Fixtures.Reset;
import dev.tally.core.Fixtures.Total;
import dev.tally.core.command.CommandResult;
import dev.tally.core.command.Decision;
import dev.tally.core.command.RetriesExhausted;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.ledger.VersionConflict;
import dev.tally.core.ledger.VersionGap;
import dev.tally.core.memory.InMemoryLedger;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class EventStoreTest {
    private final InMemoryLedger ledger = new InMemoryLedger();
    private final EventStore<Total> store = EventStore.builder(TOTAL, ledger).build();

    @Test
    void reservedTypeNamesAreRejectedForUserEventTypes() {
        assertThatThrownBy(() -> EventType.of("tally.ReplayRequested", Added.class))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageContaining("reserved");
        assertThatThrownBy(() -> EventType.of("tally.Anything", Added.class)).isInstanceOf(InvalidEventException.class);
        assertThatThrownBy(() -> EventType.of("has space", Added.class))
                .hasMessageContaining("letters, digits");
        assertThat(ReplayRequested.TYPE.name()).isEqualTo("tally.ReplayRequested");
    }

    @Test
    void eventsCarryIdVersionTypeTimestampPayloadAndMetadata() {
        EventMetadata md = EventMetadata.of("corr", "cause", "bob").withAttribute("tenant", "t1");
        store.append("a", 0, List.of(new Added(5), new Added(7)), md);

        List<Event<?>> events = store.events("a");
        assertThat(events).hasSize(2);
        Event<?> second = events.get(1);
        assertThat(second.aggregateId()).isEqualTo("a");
        assertThat(second.version()).isEqualTo(2);
        assertThat(second.typeName()).isEqualTo("Added");
        assertThat(second.payload()).isEqualTo(new Added(7));
        assertThat(second.metadata()).isEqualTo(md);
        assertThat(second.timestamp()).isNotNull();
    }

    @Test
    void loadsAnAggregateAndAsOfAVersion() {
        store.append("a", 0, List.of(new Added(1), new Added(2), new Reset(), new Added(10)),
                EventMetadata.empty());
        assertThat(store.load("a")).isEqualTo(new Aggregate<>("a", 4, new Total(10, 4)));
        assertThat(store.loadAt("a", 2)).isEqualTo(new Aggregate<>("a", 2, new Total(3, 2)));
        assertThat(store.loadAt("a", 99).version()).isEqualTo(4);
        assertThat(store.load("nobody")).isEqualTo(new Aggregate<>("nobody", 0, new Total(0, 0)));
        assertThat(store.load("nobody").exists()).isFalse();
    }

    @Test
    void appendingAnExistingVersionIsAConflictAndAGapIsRefused() {
        store.append("a", 0, new Added(1));
        assertThatThrownBy(() -> store.append("a", 0, new Added(2))).isInstanceOf(VersionConflict.class)
                .hasMessageContaining("version 1 is already stored");
        assertThatThrownBy(() -> store.append("a", 5, new Added(2))).isInstanceOf(VersionGap.class)
                .hasMessageContaining("stream ends at version 1");
        assertThat(store.load("a").state()).isEqualTo(new Total(1, 1));
    }

    @Test
    void anEventTypeTheDefinitionDoesNotRegisterIsRefused() {
        record Stranger(long n) {
        }
        assertThatThrownBy(() -> store.append("a", 0, new Stranger(1)))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageContaining("is not an event of 'tally-total'").hasMessageContaining("[Added, Reset]");
        assertThat(ledger.size()).isZero();
    }

    @Test
    void anUnknownStoredTypeFailsTheLoadWithAClearMessage() {
        ledger.append(List.of(new RecordedEvent("tally-total", "a", 1, "Vanished", 1, java.time.Instant.now(),
                JsonCodec.object(), EventMetadata.empty())));
        assertThatThrownBy(() -> store.load("a")).isInstanceOf(UnknownEventTypeException.class)
                .hasMessageContaining("'Vanished'").hasMessageContaining("register it");
    }

    @Test
    void eventGroupsAcrossAggregatesAreAtomic() {
        store.append("b", 0, new Added(1));
        List<RecordedEvent> group = List.of(store.record("a", 1, new Added(1), EventMetadata.empty()),
                store.record("b", 1, new Added(1), EventMetadata.empty()));
        assertThatThrownBy(() -> ledger.append(group)).isInstanceOf(VersionConflict.class);
        assertThat(store.load("a").exists()).isFalse();
    }

    @Test
    void commandsRetryOnConflictAndRejectionsAreNotRetried() {
        AtomicInteger calls = new AtomicInteger();
        // a rival writer sneaks in on the first two attempts
        CommandResult<Total> result = store.execute("a", new Decide(total -> {
            if (calls.incrementAndGet() <= 2) {
                store.append("a", total.count(), new Added(100));
            }
            return Decision.emit(new Added(1));
        }));
        assertThat(result.isAccepted()).isTrue();
        assertThat(result.attempts()).isEqualTo(3);
        assertThat(result.aggregate()).isEqualTo(new Aggregate<>("a", 3, new Total(201, 3)));

        AtomicInteger rejections = new AtomicInteger();
        CommandResult<Total> rejected = store.execute("a", new Decide(total -> {
            rejections.incrementAndGet();
            return Decision.reject("nope", "not today");
        }));
        assertThat(rejected).isInstanceOf(CommandResult.Rejected.class);
        assertThat(((CommandResult.Rejected<Total>) rejected).rejection().code()).isEqualTo("nope");
        assertThat(rejected.attempts()).isEqualTo(1);
        // once on the cached aggregate, once more on a fresh read before a refusal is returned
        assertThat(rejections).hasValue(2);

        EventStore<Total> uncached = EventStore.builder(TOTAL, ledger).cache(0).build();
        rejections.set(0);
        uncached.execute("a", new Decide(total -> {
            rejections.incrementAndGet();
            return Decision.reject("nope", "not today");
        }));
        assertThat(rejections).as("without a cache: one load, one decision").hasValue(1);
        assertThat(store.load("a").version()).isEqualTo(3);
    }

    @Test
    void aCommandThatAlwaysLosesGivesUpAfterItsAttempts() {
        EventStore<Total> impatient = EventStore.builder(TOTAL, ledger)
                .retryPolicy(new RetryPolicy(3, Duration.ZERO, Duration.ZERO)).build();
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> impatient.execute("a", new Decide(total -> {
            calls.incrementAndGet();
            impatient.append("a", total.count(), new Added(1));
            return Decision.emit(new Added(1));
        }))).isInstanceOf(RetriesExhausted.class).hasMessageContaining("after 3 attempts");
        assertThat(calls).hasValue(3);
    }

    @Test
    void replayAdvancesTheVersionButNotTheState() {
        store.append("a", 0, new Added(4));
        Aggregate<Total> before = store.load("a");
        RecordedEvent replay = store.requestReplay("a", "refresh");
        assertThat(replay.version()).isEqualTo(2);
        assertThat(replay.isReplay()).isTrue();
        Aggregate<Total> after = store.load("a");
        assertThat(after.state()).isEqualTo(before.state());
        assertThat(after.version()).isEqualTo(2);
        assertThatThrownBy(() -> store.requestReplay("ghost", "x")).hasMessageContaining("has no events");
    }

    @Test
    void listsAggregateIdsThroughTheStore() {
        for (int i = 0; i < 5; i++) {
            store.append("id-" + i, 0, new Added(i));
        }
        assertThat(store.listAggregateIds(PageRequest.first(3)).items()).containsExactly("id-0", "id-1", "id-2");
    }

    @Test
    void readOptionsReachTheLedger() {
        for (int i = 1; i <= 10; i++) {
            store.append("a", i - 1, new Added(i));
        }
        assertThat(store.read("a", ReadOptions.latest(2))).extracting(RecordedEvent::version).containsExactly(10L, 9L);
    }

    @Test
    void anEvolverReturningNullIsABugNamedInTheError() {
        AggregateDefinition<Total> broken = Fixtures.builder((t, e) -> null).build();
        EventStore<Total> s = EventStore.builder(broken, ledger).build();
        s.append("a", 0, new Added(1));
        assertThatThrownBy(() -> s.load("a")).hasMessageContaining("returned null");
    }
}
