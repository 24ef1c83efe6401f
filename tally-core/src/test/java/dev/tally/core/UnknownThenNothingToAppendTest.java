package dev.tally.core;

import static dev.tally.core.Fixtures.TOTAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.tally.core.Fixtures.Add;
import dev.tally.core.Fixtures.Added;
import dev.tally.core.Fixtures.Decide;
import dev.tally.core.Fixtures.Total;
import dev.tally.core.Fixtures.TotalEvent;
import dev.tally.core.command.Decision;
import dev.tally.core.ledger.OutcomeUnknown;
import dev.tally.core.memory.InMemoryLedger;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Invariant 9: attempt 1's append is ambiguous and still in flight (the look-up by command id finds
 * nothing yet); attempt 2 decides again and this time appends nothing: a rejection (the decider
 * answers differently now: a deadline passed, a rule read other state) or a no-op. Reported as
 * final, the caller hears "rejected" or "accepted, nothing written", and then the first append
 * lands. Until the command's events are found, such an answer is an unknown outcome.
 */
class UnknownThenNothingToAppendTest {
    private static final RetryPolicy THREE_ATTEMPTS = new RetryPolicy(3, Duration.ZERO, Duration.ZERO);

    private final InMemoryLedger ledger = new InMemoryLedger();
    private final InFlightLedger inFlight = new InFlightLedger(ledger, false);
    private final EventStore<Total> store = EventStore.builder(TOTAL, inFlight).cache(0)
            .retryPolicy(THREE_ATTEMPTS).build();

    /** Emits on its first decision; rejects (or, with {@code reject} false, emits nothing) on the later ones. */
    private static Decide emitsOnceThen(boolean reject) {
        AtomicInteger calls = new AtomicInteger();
        return new Decide(t -> calls.incrementAndGet() == 1 ? Decision.<TotalEvent>emit(new Added(5))
                : reject ? Decision.<TotalEvent>reject("window_closed", "the payment window has closed")
                : Decision.<TotalEvent>emit(List.of()));
    }

    @Test
    void aCommandRejectedAfterAnUnknownOutcomeIsReportedUnknown() {
        assertUnknownThenLands(() -> store.execute("a", emitsOnceThen(true),
                EventMetadata.empty().withCommandId("pay-1")), "pay-1", "window_closed");
    }

    @Test
    void aCommandWithNothingToAppendAfterAnUnknownOutcomeIsReportedUnknown() {
        assertUnknownThenLands(() -> store.execute("a", emitsOnceThen(false),
                EventMetadata.empty().withCommandId("pay-2")), "pay-2", "nothing to append");
    }

    @Test
    void aGroupRejectedAfterAnUnknownOutcomeIsReportedUnknown() {
        assertUnknownThenLands(() -> CommandGroup.of().add(store, "a", emitsOnceThen(true)).add(store, "b", new Add(7))
                .retryPolicy(THREE_ATTEMPTS).execute(EventMetadata.empty().withCommandId("pay-3")), "pay-3",
                "window_closed");
    }

    @Test
    void aGroupWithNothingToAppendAfterAnUnknownOutcomeIsReportedUnknown() {
        assertUnknownThenLands(() -> CommandGroup.of().add(store, "a", emitsOnceThen(false))
                .retryPolicy(THREE_ATTEMPTS).execute(EventMetadata.empty().withCommandId("pay-4")), "pay-4",
                "nothing to append");
    }

    private void assertUnknownThenLands(java.util.concurrent.Callable<Object> execute, String commandId,
                                        String context) {
        Object[] answer = {null};
        Throwable thrown = catchThrowable(() -> answer[0] = execute.call());
        inFlight.land(); // the first append lands after the answer
        assertThat(ledger.commandEvents(TOTAL.name(), "a", commandId)).as("the command applied").hasSize(1);
        assertThat(answer[0]).as("an applied command answered as rejected or as writing nothing").isNull();
        assertThat(thrown).isInstanceOf(OutcomeUnknown.class);
        assertThat(thrown.getSuppressed()).as("the later decision, as context")
                .anySatisfy(s -> assertThat(s.getMessage()).contains(context));
    }
}
