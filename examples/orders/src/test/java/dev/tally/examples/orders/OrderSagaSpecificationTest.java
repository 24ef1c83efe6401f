package dev.tally.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.saga.SagaAction;
import dev.tally.core.saga.SagaInput;
import dev.tally.examples.bank.BankAccount;
import dev.tally.examples.bank.Credit;
import dev.tally.examples.bank.Debit;
import dev.tally.testing.SagaSpecification;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The order saga's decisions alone, input by input: no store, no bus, no timers. */
class OrderSagaSpecificationTest {
    static final Order.Line APPLES = new Order.Line("apple", 2, 150);
    static final Order.OrderPlaced PLACED = new Order.OrderPlaced("alice", List.of(APPLES), 300, 60);

    SagaSpecification<OrderSaga.Progress> spec = SagaSpecification.of(OrderSaga.SAGA);

    SagaInput.Observed placed() {
        Order.State pending = new Order.State(Order.Status.PENDING, "alice", List.of(APPLES), 300, 60,
                spec.now(), null);
        return spec.observed(Order.DEFINITION, "o1", 1, PLACED, pending);
    }

    /** The deadline is the OrderPlaced event's own time plus its timeout. */
    Instant deadline() {
        return spec.now().plusSeconds(60);
    }

    @Test
    void aPlacedOrderStartsAnInstanceThatFirstSetsItsDeadline() {
        Instant deadline = deadline();
        spec.when(placed())
                .thenEvents(new OrderSaga.SagaStarted("o1", "alice", List.of(APPLES), 300, deadline))
                .thenActions(new SagaAction.Schedule("timer:set", OrderSaga.DEADLINE, deadline));
    }

    @Test
    void theStepsGoForwardOneReplyAtATimeWithStableCommandIds() {
        spec.given(placed(), spec.replied("timer:set"));
        assertThat(spec.todo()).containsExactly(new SagaAction.Send("reserve:apple", Inventory.STORE, "apple",
                new Inventory.Reserve("o1", 2)));
        var then = spec.when(spec.replied("reserve:apple"))
                .thenEvents(new OrderSaga.StepRecorded("reserve:apple", true, null))
                .thenSends(BankAccount.STORE, "alice", new Debit(300));
        assertThat(then.commandIdOf("pay")).isEqualTo("saga:order-saga:o1:pay");
    }

    @Test
    void aRefusedPaymentReleasesTheReservationThenCancelsTheOrder() {
        spec.given(placed(), spec.replied("timer:set"), spec.replied("reserve:apple"));
        spec.when(spec.rejected("pay", "insufficient_funds"))
                .thenSends(Inventory.STORE, "apple", new Inventory.Release("o1"))
                .thenState(p -> assertThat(p.reason()).isEqualTo("insufficient_funds"));
        spec.given(spec.rejected("pay", "insufficient_funds"));
        spec.when(spec.replied("release:apple"))
                .thenSends(Order.STORE, "o1", new Order.Cancel("insufficient_funds"));
    }

    @Test
    void theDeadlinePassingBeforeTheConfirmationChecksTheStepInFlightThenRefunds() {
        spec.given(placed(), spec.replied("timer:set"), spec.replied("reserve:apple"));
        spec.at(deadline());
        spec.when(spec.timedOut(OrderSaga.DEADLINE))
                .thenEvents(new OrderSaga.DeadlinePassed("pay"))
                .thenActions(new SagaAction.Check("pay", BankAccount.STORE, "alice"));
        spec.given(spec.timedOut(OrderSaga.DEADLINE));
        spec.when(spec.replied("pay"))
                .thenSends(BankAccount.STORE, "alice", new Credit(300));
    }

    @Test
    void repeatedAndReorderedInputsChangeNothing() {
        spec.given(placed(), spec.replied("timer:set"), spec.replied("reserve:apple"), spec.replied("pay"),
                spec.replied("confirm"));
        // the OrderPlaced message delivered again
        spec.when(placed()).thenNothing();
        // a reply recorded already
        spec.when(spec.replied("pay")).thenNothing();
        // the deadline firing after the confirmation (a timer fires at least once, maybe late)
        spec.when(spec.timedOut(OrderSaga.DEADLINE)).thenNothing()
                .thenSends(Inventory.STORE, "apple", new Inventory.Sell("o1"));
    }

    @Test
    void anotherEventOfTheOrderIsNotForTheSaga() {
        Order.State confirmed = new Order.State(Order.Status.CONFIRMED, "alice", List.of(APPLES), 300, 60,
                spec.now(), null);
        spec.when(spec.observed(Order.DEFINITION, "o1", 2, new Order.OrderConfirmed(), confirmed)).thenIgnored();
    }
}
