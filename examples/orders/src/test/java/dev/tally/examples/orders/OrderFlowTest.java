package dev.tally.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.examples.bank.BankAccount;
import dev.tally.examples.bank.BankApp;
import dev.tally.examples.bank.Credit;
import dev.tally.testing.AppFlow;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The bank and orders apps whole, in memory, with the saga's deadline on a clock the test moves. */
class OrderFlowTest {
    final AppFlow flow = AppFlow.start(new BankApp(), new OrdersApp());

    @AfterEach
    void close() {
        flow.close();
    }

    void place(String orderId, String account, long quantity) {
        assertThat(flow.execute(Order.DEFINITION, orderId, new Order.Place(account,
                List.of(new Order.Line("apple", quantity, 100)), 60)).isAccepted()).isTrue();
    }

    @Test
    void aPaidOrderIsConfirmedAndItsStockSold() {
        flow.execute(Inventory.DEFINITION, "apple", new Inventory.Restock(10));
        flow.execute(BankAccount.DEFINITION, "alice", new Credit(1_000));
        place("o1", "alice", 3);

        assertThat(flow.store(Order.DEFINITION).load("o1").state().status()).isEqualTo(Order.Status.CONFIRMED);
        Inventory.Stock stock = flow.store(Inventory.DEFINITION).load("apple").state();
        assertThat(stock.available()).isEqualTo(7);
        assertThat(stock.sold()).isEqualTo(3);
        assertThat(flow.store(BankAccount.DEFINITION).load("alice").state().balance()).isEqualTo(700);
        assertThat(flow.pendingTimers()).as("the deadline is cancelled once the order is done").isEmpty();
    }

    @Test
    void anUnpaidOrderIsCancelledAndItsReservationReleased() {
        flow.execute(Inventory.DEFINITION, "apple", new Inventory.Restock(10));
        flow.execute(BankAccount.DEFINITION, "bob", new Credit(50));
        place("o2", "bob", 3);

        Order.State order = flow.store(Order.DEFINITION).load("o2").state();
        assertThat(order.status()).isEqualTo(Order.Status.CANCELLED);
        assertThat(order.reason()).isEqualTo("insufficient_funds");
        Inventory.Stock stock = flow.store(Inventory.DEFINITION).load("apple").state();
        assertThat(stock.available()).as("the reservation went back").isEqualTo(10);
        assertThat(stock.reserved()).isZero();
        assertThat(flow.store(BankAccount.DEFINITION).load("bob").state().balance()).isEqualTo(50);
        assertThat(flow.pendingTimers()).isEmpty();
    }

    @Test
    void aDeadlineThatPassesAfterTheOrderFinishedChangesNothing() {
        flow.execute(Inventory.DEFINITION, "apple", new Inventory.Restock(1));
        flow.execute(BankAccount.DEFINITION, "carol", new Credit(1_000));
        place("o3", "carol", 1);
        flow.advance(java.time.Duration.ofDays(14));

        assertThat(flow.store(Order.DEFINITION).load("o3").state().status()).isEqualTo(Order.Status.CONFIRMED);
        assertThat(flow.store(OrderSaga.SAGA.definition()).load("o3").state().finished()).isTrue();
    }
}
