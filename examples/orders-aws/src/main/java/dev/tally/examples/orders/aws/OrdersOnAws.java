package dev.tally.examples.orders.aws;

import dev.tally.core.AggregateDefinition;
import dev.tally.core.app.TallyApp;
import dev.tally.core.projection.Projection;
import dev.tally.core.saga.Saga;
import dev.tally.examples.bank.BankAccount;
import dev.tally.examples.orders.Inventory;
import dev.tally.examples.orders.Order;
import dev.tally.examples.orders.OrderSaga;
import java.util.List;

/**
 * The orders app as one AWS deployment: orders, inventory and the order saga, plus the bank accounts
 * the saga debits and credits. {@code tally serve} gets those accounts from the bank app served beside
 * the orders (one ledger for both); on AWS each app has its own stack and ledger, so this deployment
 * keeps the accounts in its own ledger and funds them through the generic command route
 * ({@code POST /api/stores/bank-account/{id}/commands/Credit}). The orders' own routes
 * ({@code /api/orders/...}) are {@code tally serve}'s; on AWS an order is placed with
 * {@code POST /api/stores/order/{id}/commands/Place}.
 */
public final class OrdersOnAws implements TallyApp {
    @Override
    public String name() {
        return "orders";
    }

    @Override
    public List<AggregateDefinition<?>> stores() {
        return List.of(Order.DEFINITION, Inventory.DEFINITION, BankAccount.DEFINITION);
    }

    @Override
    public List<Projection<?, ?>> projections() {
        return List.of();
    }

    @Override
    public List<Saga<?, ?>> sagas() {
        return List.of(OrderSaga.SAGA);
    }
}
