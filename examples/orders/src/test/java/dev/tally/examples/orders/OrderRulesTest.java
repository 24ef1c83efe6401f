package dev.tally.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.testing.DeciderSpecification;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The order's own rules: an order to place is checked by the decider, so the generic command route
 * (which skips POST /api/orders/{id}'s field checks) cannot place an order the app's route refuses.
 */
class OrderRulesTest {
    static Order.Line line(String sku, long quantity, long unitPrice) {
        return new Order.Line(sku, quantity, unitPrice);
    }

    static String refused(Order.Place place) {
        var then = DeciderSpecification.of(Order.DEFINITION).when(place).thenRejected("invalid_order");
        return then.rejectionMessage();
    }

    @Test
    void aGoodOrderIsPlacedWithItsTotal() {
        DeciderSpecification.of(Order.DEFINITION)
                .when(new Order.Place("alice", List.of(line("apple", 2, 150), line("pear", 1, 80)), 30))
                .then(new Order.OrderPlaced("alice", List.of(line("apple", 2, 150), line("pear", 1, 80)), 380, 30));
    }

    @Test
    void everyBadFieldIsRefusedByName() {
        assertThat(refused(new Order.Place(null, List.of(line("apple", 1, 1)), 30))).contains("'accountId'");
        assertThat(refused(new Order.Place("al ice", List.of(line("apple", 1, 1)), 30))).contains("'accountId'");
        assertThat(refused(new Order.Place("alice", null, 30))).contains("'lines'");
        assertThat(refused(new Order.Place("alice", List.of(), 30))).contains("'lines'");
        assertThat(refused(new Order.Place("alice", Arrays.asList((Order.Line) null), 30))).contains("'lines[0]'");
        assertThat(refused(new Order.Place("alice", List.of(line("apple", 1, 1), line("", 1, 1)), 30)))
                .contains("'lines[1].sku'");
        assertThat(refused(new Order.Place("alice", List.of(line("apple", 0, 1)), 30))).contains("'lines[0].quantity'");
        assertThat(refused(new Order.Place("alice", List.of(line("apple", -3, 1)), 30))).contains("'lines[0].quantity'");
        assertThat(refused(new Order.Place("alice", List.of(line("apple", 1, 0)), 30))).contains("'lines[0].unitPrice'");
        assertThat(refused(new Order.Place("alice", List.of(line("apple", Long.MAX_VALUE, 2)), 30))).contains("overflows");
        assertThat(refused(new Order.Place("alice", List.of(line("apple", 1, 1)), 0))).contains("'timeoutSeconds'");
        assertThat(refused(new Order.Place("alice", List.of(line("apple", 1, 1)), 86_401))).contains("'timeoutSeconds'");
    }
}
