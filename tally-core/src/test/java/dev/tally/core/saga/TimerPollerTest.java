package dev.tally.core.saga;

import static dev.tally.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.Event;
import dev.tally.core.EventStore;
import dev.tally.core.command.Decision;
import dev.tally.core.memory.InMemoryLedger;
import dev.tally.core.memory.InMemoryTimerStore;
import dev.tally.core.message.MessageFilter;
import dev.tally.core.runtime.FailurePolicy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The timer poller on the in-memory timer store, with a saga that counts the timers it was told
 * of: what is due fires and is removed, what is not due waits, a failing saga keeps its timer for
 * the next poll, and a timer of a saga the poller does not run stays stored.
 */
class TimerPollerTest {
    static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");

    sealed interface RingEvent permits Rang {
    }

    record Rang(String name) implements RingEvent {
    }

    record Rings(int count) {
    }

    /** Fails {@code failures} times before it records a timer (the saga's store was down, say). */
    static Saga<RingEvent, Rings> alarm(AtomicInteger failures) {
        return Saga.of("alarm", Rings.class, RingEvent.class, MessageFilter.stateOf("clocks"), new ProcessManager<>() {
            @Override
            public Rings initialState() {
                return new Rings(0);
            }

            @Override
            public Optional<String> instanceOf(SagaInput.Observed message) {
                return Optional.of(message.aggregateId());
            }

            @Override
            public Decision<RingEvent> react(SagaInput input, Rings state) {
                if (input instanceof SagaInput.TimedOut t) {
                    if (failures.getAndDecrement() > 0) {
                        throw new IllegalStateException("the alarm's store is down");
                    }
                    return Decision.emit(new Rang(t.name()));
                }
                return Decision.nothing();
            }

            @Override
            public Rings evolve(Rings state, Event<RingEvent> event) {
                return new Rings(state.count() + 1);
            }

            @Override
            public List<SagaAction> todo(Rings state) {
                return List.of();
            }
        });
    }

    final AtomicInteger failures = new AtomicInteger();
    final Saga<RingEvent, Rings> saga = alarm(failures);
    final EventStore<Rings> instances = EventStore.builder(saga.definition(), new InMemoryLedger()).build();
    final SagaRunner<RingEvent, Rings> runner = new SagaRunner<>(saga, instances, name -> null,
            new InMemoryTimerStore(), FailurePolicy.DEFAULT, Clock.fixed(NOW, ZoneOffset.UTC));
    final InMemoryTimerStore timers = new InMemoryTimerStore();

    static Timer timer(String id, String saga, String instance, Instant dueAt) {
        return new Timer(id, saga, instance, "wake", dueAt, "{}");
    }

    TimerPoller pollerAt(Instant now) {
        return new TimerPoller(timers, List.of(runner), Clock.fixed(now, ZoneOffset.UTC), Duration.ofMillis(10));
    }

    @Test
    void firesWhatIsDueAndRemovesItAndLeavesWhatIsNot() {
        timers.schedule(timer("t-due", "alarm", "kitchen", NOW.minusSeconds(1)));
        timers.schedule(timer("t-now", "alarm", "hall", NOW));
        timers.schedule(timer("t-later", "alarm", "attic", NOW.plusSeconds(60)));

        assertThat(pollerAt(NOW).pollOnce()).isEqualTo(2);

        assertThat(instances.load("kitchen").state()).isEqualTo(new Rings(1));
        assertThat(instances.load("hall").state()).isEqualTo(new Rings(1));
        assertThat(instances.load("attic").exists()).isFalse();
        assertThat(timers.due(Instant.MAX, 10)).extracting(Timer::id).containsExactly("t-later");
        assertThat(pollerAt(NOW).pollOnce()).as("fired timers are gone").isZero();
        assertThat(pollerAt(NOW.plusSeconds(60)).pollOnce()).isEqualTo(1);
        assertThat(instances.load("attic").state()).isEqualTo(new Rings(1));
    }

    @Test
    void aTimerWhoseSagaFailsStaysAndFiresAtTheNextPoll() {
        failures.set(1);
        timers.schedule(timer("t-1", "alarm", "kitchen", NOW));
        TimerPoller poller = pollerAt(NOW);

        assertThat(poller.pollOnce()).isZero();
        assertThat(timers.size()).isEqualTo(1);
        assertThat(instances.load("kitchen").exists()).isFalse();

        assertThat(poller.pollOnce()).isEqualTo(1);
        assertThat(timers.size()).isZero();
        assertThat(instances.load("kitchen").state()).isEqualTo(new Rings(1));
    }

    @Test
    void aTimerOfASagaThisPollerDoesNotRunStaysStored() {
        timers.schedule(timer("t-x", "someone-else", "i", NOW));

        assertThat(pollerAt(NOW).pollOnce()).isZero();

        assertThat(timers.due(NOW, 10)).extracting(Timer::id).containsExactly("t-x");
    }

    @Test
    void startedItPollsOnItsOwnThread() {
        TimerPoller poller = pollerAt(NOW).start();
        try {
            assertThat(poller.start()).as("starting twice is harmless").isSameAs(poller);
            timers.schedule(timer("t-bg", "alarm", "porch", NOW));
            eventually(Duration.ofSeconds(10), () -> assertThat(timers.size()).isZero());
            assertThat(instances.load("porch").state()).isEqualTo(new Rings(1));
        } finally {
            poller.close();
        }
    }

    @Test
    void theIntervalMustBePositive() {
        assertThatThrownBy(() -> new TimerPoller(timers, List.of(runner), Clock.systemUTC(), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("positive");
    }

    @Test
    void aTimerIsRecordedOnItsInstanceOnceWhateverTheRedeliveries() {
        Timer t = timer("t-twice", "alarm", "kitchen", NOW);
        timers.schedule(t);
        assertThat(pollerAt(NOW).pollOnce()).isEqualTo(1);
        timers.schedule(t); // a crash between firing and removing: the same timer is due again
        assertThat(pollerAt(NOW).pollOnce()).isEqualTo(1);
        assertThat(instances.load("kitchen").state()).isEqualTo(new Rings(1));
        assertThat(instances.read("kitchen", dev.tally.core.ReadOptions.ALL)).hasSize(1);
    }
}
