package dev.tally.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.AggregateDefinition;
import dev.tally.core.Decider;
import dev.tally.core.EventStore;
import dev.tally.core.command.Command;
import dev.tally.core.command.CommandResult;
import dev.tally.core.command.Decision;
import dev.tally.core.memory.InMemoryLedger;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** A decision that reads the aggregate's id and the store clock's time, in every kit and in a store. */
class DecisionContextTest {
    record Loan(String member, Instant due) {
        static final Loan NONE = new Loan(null, null);
    }

    sealed interface LoanCommand extends Command<Loan> permits Lend {
    }

    record Lend(String member, Instant due) implements LoanCommand {
    }

    sealed interface LoanEvent permits Lent {
    }

    record Lent(String loan, String member, Instant due) implements LoanEvent {
    }

    static final AggregateDefinition<Loan> LOAN = AggregateDefinition.of("loan", Loan.class, LoanCommand.class,
            LoanEvent.class, Decider.<LoanCommand, LoanEvent, Loan>of(Loan.NONE, (command, loan, context) -> {
                Lend lend = (Lend) command;
                if (!lend.due().isAfter(context.now())) {
                    return Decision.reject("due_in_the_past", "loan " + context.aggregateId() + " is due "
                            + lend.due() + ", not after now (" + context.now() + ")");
                }
                return Decision.emit(new Lent(context.aggregateId(), lend.member(), lend.due()));
            }, (loan, e) -> new Loan(((Lent) e.payload()).member(), ((Lent) e.payload()).due())));

    static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");

    @Test
    void theSpecificationSetsTheIdAndTheTime() {
        String message = DeciderSpecification.of(LOAN, "loan-7").now(NOW)
                .when(new Lend("m1", NOW.minus(Duration.ofDays(1))))
                .thenRejected("due_in_the_past").rejectionMessage();
        assertThat(message).contains("loan-7").contains("2026-03-01T10:00:00Z");
        DeciderSpecification.of(LOAN, "loan-7").now(NOW)
                .when(new Lend("m1", NOW.plus(Duration.ofDays(14))))
                .then(new Lent("loan-7", "m1", NOW.plus(Duration.ofDays(14))));
    }

    @Test
    void withoutATimeTheSpecificationDecidesTheSameOnEveryRun() {
        // one second after the last given event, from a fixed start: the same now on every run
        Instant due = DeciderSpecification.DEFAULT_START.plusSeconds(1);
        DeciderSpecification.of(LOAN).when(new Lend("m1", due)).then(new Lent("spec-1", "m1", due));
        DeciderSpecification.of(LOAN).when(new Lend("m1", DeciderSpecification.DEFAULT_START))
                .thenRejected("due_in_the_past");
        assertThat(DeciderSpecification.of(LOAN, "x").context().now()).isEqualTo(DeciderSpecification.DEFAULT_START);
    }

    @Test
    void theFixtureSetsTheStoresClock() {
        AggregateFixture.of(LOAN, "loan-9").now(NOW).when(new Lend("m1", NOW)).thenRejected("due_in_the_past");
        AggregateFixture.of(LOAN, "loan-9").now(NOW).when(new Lend("m1", NOW.plusSeconds(1)))
                .thenEvents(new Lent("loan-9", "m1", NOW.plusSeconds(1)));
    }

    @Test
    void aStoreDecidesWithItsOwnClock() {
        MutableClock clock = new MutableClock(NOW);
        EventStore<Loan> loans = EventStore.builder(LOAN, new InMemoryLedger()).clock(clock).build();
        Instant due = NOW.plus(Duration.ofDays(1));
        assertThat(loans.execute("a", new Lend("m1", due)).isAccepted()).isTrue();
        clock.advance(Duration.ofDays(2));
        CommandResult<Loan> late = loans.execute("b", new Lend("m1", due));
        assertThat(late).isInstanceOf(CommandResult.Rejected.class);
        assertThat(((CommandResult.Rejected<Loan>) late).rejection().code()).isEqualTo("due_in_the_past");
    }
}
