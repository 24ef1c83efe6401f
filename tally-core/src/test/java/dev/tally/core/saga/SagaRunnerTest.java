package dev.tally.core.saga;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.AggregateDefinition;
import dev.tally.core.Decider;
import dev.tally.core.Event;
import dev.tally.core.EventStore;
import dev.tally.core.Fixtures;
import dev.tally.core.Fixtures.Added;
import dev.tally.core.Fixtures.Add;
import dev.tally.core.Fixtures.Total;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.command.Decision;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.memory.InMemoryLedger;
import dev.tally.core.memory.InMemoryTimerStore;
import dev.tally.core.message.MessageFilter;
import dev.tally.core.message.StateCarryingMessage;
import dev.tally.core.runtime.FailurePolicy;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The runner of a small saga on the in-memory ledger: it watches totals ("tally-total") and, for
 * each total it sees, copies the sum to a mirror total and sets a reminder timer. What is checked:
 * the command goes out once, with the deterministic command id, whatever is redelivered; its outcome
 * (accepted or refused) is recorded on the instance; timers are scheduled, fired and idempotent.
 */
class SagaRunnerTest {
    static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");

    sealed interface CopyEvent permits Seen, Copied, Reminded {
    }

    record Seen(String total, long sum) implements CopyEvent {
    }

    record Copied(boolean accepted, String code) implements CopyEvent {
    }

    record Reminded(Instant dueAt) implements CopyEvent {
    }

    /** The instance's state: what it saw, the outcome of the copy, whether the reminder is set. */
    record Copy(String total, long sum, Boolean copied, String code, boolean reminderSet, int reminders) {
        static final Copy NONE = new Copy(null, 0, null, null, false, 0);
    }

    /** The saga; {@code misbehaving}: its react ignores replies, so todo keeps listing the same action. */
    static Saga<CopyEvent, Copy> saga(boolean misbehaving) {
        return Saga.of("copier", Copy.class, CopyEvent.class, MessageFilter.stateOf("tally-total"),
                new ProcessManager<>() {
                    @Override
                    public Copy initialState() {
                        return Copy.NONE;
                    }

                    @Override
                    public Optional<String> instanceOf(SagaInput.Observed message) {
                        // totals named "skip-..." are not for this saga
                        return message.aggregateId().startsWith("skip-") ? Optional.empty()
                                : Optional.of("copy-" + message.aggregateId());
                    }

                    @Override
                    public Decision<CopyEvent> react(SagaInput input, Copy state) {
                        if (input instanceof SagaInput.Observed o && state.total() == null) {
                            return Decision.emit(new Seen(o.aggregateId(), o.state(Total.class).sum()));
                        }
                        if (input instanceof SagaInput.Replied r && !misbehaving) {
                            return r.actionId().equals("copy") ? Decision.emit(new Copied(r.accepted(), r.code()))
                                    : Decision.emit(new Reminded(null));
                        }
                        if (input instanceof SagaInput.TimedOut t) {
                            return Decision.emit(new Reminded(t.dueAt()));
                        }
                        return Decision.nothing();
                    }

                    @Override
                    public Copy evolve(Copy s, Event<CopyEvent> event) {
                        CopyEvent e = event.payload();
                        if (e instanceof Seen seen) {
                            return new Copy(seen.total(), seen.sum(), null, null, false, 0);
                        }
                        if (e instanceof Copied c) {
                            return new Copy(s.total(), s.sum(), c.accepted(), c.code(), s.reminderSet(), s.reminders());
                        }
                        Reminded r = (Reminded) e;
                        return r.dueAt() == null ? new Copy(s.total(), s.sum(), s.copied(), s.code(), true, s.reminders())
                                : new Copy(s.total(), s.sum(), s.copied(), s.code(), true, s.reminders() + 1);
                    }

                    @Override
                    public List<SagaAction> todo(Copy s) {
                        if (s.total() == null) {
                            return List.of();
                        }
                        if (s.copied() == null) {
                            return List.of(new SagaAction.Send("copy", "mirror", s.total(), new Add(s.sum())));
                        }
                        if (!s.reminderSet()) {
                            return List.of(new SagaAction.Schedule("remind", "reminder", NOW.plusSeconds(60)));
                        }
                        return List.of();
                    }
                });
    }

    final InMemoryLedger ledger = new InMemoryLedger();
    final EventStore<Total> totals = EventStore.builder(Fixtures.TOTAL, ledger).build();
    /** Totals that refuse to add more than 100 at once. */
    final EventStore<Total> mirror = EventStore.builder(AggregateDefinition.builder("mirror", Total.class,
            Fixtures.TotalCommand.class, Fixtures.TotalEvent.class, Decider.of(new Total(0, 0),
                    (Fixtures.TotalCommand c, Total t) -> c instanceof Add add && add.n() > 100
                            ? Decision.<Fixtures.TotalEvent>reject("too_big", "over 100") : Fixtures.decide(c, t),
                    Fixtures::evolve)).build(), ledger).build();
    final InMemoryTimerStore timers = new InMemoryTimerStore();
    final Saga<CopyEvent, Copy> saga = saga(false);
    final EventStore<Copy> instances = EventStore.builder(saga.definition(), ledger).build();
    final SagaRunner<CopyEvent, Copy> runner = new SagaRunner<>(saga, instances, Map.of("mirror", mirror)::get,
            timers, FailurePolicy.DEFAULT, Clock.fixed(NOW, ZoneOffset.UTC));

    StateCarryingMessage messageOf(String total) {
        RecordedEvent head = totals.read(total, ReadOptions.latest(1)).get(0);
        return new StateCarryingMessage(head, totals.stateToJson(totals.load(total).state()));
    }

    @Test
    void anObservedEventStartsAnInstanceThatSendsItsCommandOnceAndRecordsTheOutcome() {
        totals.append("t1", 0, new Added(7));
        StateCarryingMessage seen = messageOf("t1");

        runner.observe(seen);
        runner.observe(seen); // redelivered: the bus delivers at least once
        runner.advance("copy-t1"); // and the worker's own delivery of the instance's newest event

        assertThat(mirror.load("t1").state()).as("copied once").isEqualTo(new Total(7, 1));
        RecordedEvent copy = mirror.read("t1", ReadOptions.ALL).get(0);
        assertThat(copy.metadata().commandId()).contains(runner.commandId("copy-t1", "copy"))
                .contains("saga:copier:copy-t1:copy");
        assertThat(copy.metadata().causationId()).isEqualTo("copier/copy-t1@1");
        Copy state = instances.load("copy-t1").state();
        assertThat(state.copied()).isTrue();
        assertThat(state.reminderSet()).isTrue();
        assertThat(instances.read("copy-t1", ReadOptions.ALL)).extracting(e -> e.type())
                .containsExactly("Seen", "Copied", "Reminded");
    }

    @Test
    void aRefusedCommandIsRecordedAsARefusalWithItsCode() {
        totals.append("t2", 0, new Added(500));

        runner.observe(messageOf("t2"));

        assertThat(mirror.load("t2").exists()).isFalse();
        Copy state = instances.load("copy-t2").state();
        assertThat(state.copied()).isFalse();
        assertThat(state.code()).isEqualTo("too_big");
    }

    @Test
    void messagesOutsideItsFilterOrForNoInstanceAreIgnored() {
        totals.append("skip-me", 0, new Added(1));
        mirror.append("m", 0, new Added(1));
        RecordedEvent other = mirror.read("m", ReadOptions.ALL).get(0);

        runner.observe(messageOf("skip-me"));
        runner.observe(new StateCarryingMessage(other, JsonCodec.object()));

        assertThat(instances.listAggregateIds(dev.tally.core.PageRequest.first(10)).items()).isEmpty();
    }

    @Test
    void itsTimersAreScheduledUnderAStableIdAndAFiredTimerIsRecordedOnce() {
        totals.append("t3", 0, new Added(3));
        runner.observe(messageOf("t3"));

        List<Timer> due = timers.due(NOW.plusSeconds(61), 10);
        assertThat(due).singleElement().satisfies(t -> {
            assertThat(t.id()).isEqualTo(runner.timerId("copy-t3", "reminder")).hasSizeLessThanOrEqualTo(64);
            assertThat(t.sagaName()).isEqualTo("copier");
            assertThat(t.sagaId()).isEqualTo("copy-t3");
            assertThat(t.dueAt()).isEqualTo(NOW.plusSeconds(60));
        });
        assertThat(timers.due(NOW.plusSeconds(59), 10)).as("not due yet").isEmpty();

        runner.fire(due.get(0));
        runner.fire(due.get(0)); // a timer fires at least once
        assertThat(instances.load("copy-t3").state().reminders()).isEqualTo(1);
    }

    @Test
    void aTimerOfAnotherSagaIsRefused() {
        Timer foreign = new Timer("t-x", "someone-else", "i", "reminder", NOW, "{}");
        assertThatThrownBy(() -> runner.fire(foreign)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("someone-else").hasMessageContaining("copier");
    }

    @Test
    void aSagaThatKeepsListingAnActionAfterItsReplyIsStoppedWithWhatToFix() {
        Saga<CopyEvent, Copy> broken = saga(true);
        SagaRunner<CopyEvent, Copy> brokenRunner = new SagaRunner<>(broken,
                EventStore.builder(broken.definition(), ledger).build(), Map.of("mirror", mirror)::get, timers,
                FailurePolicy.DEFAULT, Clock.fixed(NOW, ZoneOffset.UTC));
        totals.append("t4", 0, new Added(1));

        assertThatThrownBy(() -> brokenRunner.observe(messageOf("t4"))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("still lists action 'copy'").hasMessageContaining("react(Replied)");
        assertThat(mirror.load("t4").state()).as("the command itself applied once").isEqualTo(new Total(1, 1));
    }

    @Test
    void aCommandToAStoreItWasNotGivenFailsNamingTheStore() {
        SagaRunner<CopyEvent, Copy> noMirror = new SagaRunner<>(saga, instances, name -> null, timers,
                FailurePolicy.DEFAULT, Clock.fixed(NOW, ZoneOffset.UTC));
        totals.append("t5", 0, new Added(1));

        assertThatThrownBy(() -> noMirror.observe(messageOf("t5"))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("store 'mirror'");
    }

    @Test
    void theInstancesMustBeKeptInTheSagasOwnStore() {
        @SuppressWarnings({"unchecked", "rawtypes"})
        EventStore<Copy> wrong = (EventStore) totals;
        assertThatThrownBy(() -> new SagaRunner<>(saga, wrong, name -> null, timers, FailurePolicy.DEFAULT,
                Clock.systemUTC())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("saga.definition()").hasMessageContaining("'tally-total'");
    }

    @Test
    void commandIdsStayShortAndStable() {
        String longInstance = "i".repeat(300);
        assertThat(runner.commandId(longInstance, "copy")).startsWith("saga:").hasSizeLessThanOrEqualTo(200)
                .isEqualTo(runner.commandId(longInstance, "copy"))
                .isNotEqualTo(runner.commandId(longInstance, "other"));
        List<String> ids = new ArrayList<>();
        for (String name : List.of("a", "b")) {
            ids.add(runner.timerId("copy-1", name));
        }
        assertThat(ids).doesNotHaveDuplicates().allSatisfy(id -> assertThat(id).startsWith("t-").hasSize(42));
    }
}
