package dev.tally.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * The properties of the order saga, the same on every stack: random orders over random stock and
 * balances, through the stack's bus (chaotic where it has one), with crashes injected between the
 * saga's steps (right before or after any of its writes). Every order ends CONFIRMED or CANCELLED;
 * for every SKU, restocked = available + sold to confirmed orders and nothing stays reserved; for
 * every account, balance = credits - the totals of its confirmed orders; every compensation applies
 * at most once. A stack's test gives a fresh {@link Shop} for each try.
 */
final class OrderSagaProperties {
    static final String[] SKUS = {"apple", "pear", "plum"};
    static final String[] ACCOUNTS = {"alice", "bob"};

    record Placed(int account, List<Order.Line> lines) {
    }

    record World(List<Integer> stock, List<Integer> credits, List<Placed> orders, long seed) {
    }

    private OrderSagaProperties() {
    }

    /** Stock of 0-6 per SKU, credits of 0-800 per account, 1 to {@code maxOrders} orders of 1-3 lines. */
    static Arbitrary<World> worlds(int maxOrders) {
        Arbitrary<Order.Line> line = Combinators.combine(Arbitraries.integers().between(0, SKUS.length - 1),
                Arbitraries.integers().between(1, 3), Arbitraries.integers().between(10, 200))
                .as((sku, quantity, price) -> new Order.Line(SKUS[sku], quantity, price));
        Arbitrary<Placed> order = Combinators.combine(Arbitraries.integers().between(0, ACCOUNTS.length - 1),
                line.list().ofMinSize(1).ofMaxSize(3)).as(Placed::new);
        return Combinators.combine(Arbitraries.integers().between(0, 6).list().ofSize(SKUS.length),
                Arbitraries.integers().between(0, 800).list().ofSize(ACCOUNTS.length),
                order.list().ofMinSize(1).ofMaxSize(maxOrders), Arbitraries.longs()).as(World::new);
    }

    /** Crashes for one try: 8% of the saga's writes, at most 40 per try, from the world's seed. */
    static Crashes crashes(World world) {
        return new Crashes(0.08, world.seed(), 40);
    }

    /** Plays the world on the shop and checks every property. */
    static void check(World world, Shop shop) {
        for (int i = 0; i < SKUS.length; i++) {
            if (world.stock().get(i) > 0) {
                shop.restock(SKUS[i], world.stock().get(i));
            }
        }
        for (int i = 0; i < ACCOUNTS.length; i++) {
            if (world.credits().get(i) > 0) {
                shop.credit(ACCOUNTS[i], world.credits().get(i));
            }
        }
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < world.orders().size(); i++) {
            Placed p = world.orders().get(i);
            String id = "order-" + i;
            shop.place(id, ACCOUNTS[p.account()], 3600, p.lines().toArray(Order.Line[]::new));
            ids.add(id);
        }

        Map<String, Long> sold = new HashMap<>();
        Map<String, Long> spent = new HashMap<>();
        for (String id : ids) {
            Order.State order = shop.awaitOutcome(id);
            assertThat(order.status()).isIn(Order.Status.CONFIRMED, Order.Status.CANCELLED);
            if (order.status() == Order.Status.CONFIRMED) {
                order.lines().forEach(l -> sold.merge(l.sku(), l.quantity(), Long::sum));
                spent.merge(order.accountId(), order.total(), Long::sum);
            } else {
                assertThat(order.reason()).isIn("insufficient_stock", "insufficient_funds");
            }
            // each compensation at most once, and a refund only for a debit
            for (String sku : SKUS) {
                if (shop.inventory.load(sku).exists()) {
                    assertThat(shop.applied(shop.inventory, sku, id, "StockReleased")).isLessThanOrEqualTo(1);
                    assertThat(shop.applied(shop.inventory, sku, id, "StockReserved")).isLessThanOrEqualTo(1);
                }
            }
            if (shop.accounts.load(order.accountId()).exists()) {
                long debits = shop.applied(shop.accounts, order.accountId(), id, "Debited");
                long refunds = shop.applied(shop.accounts, order.accountId(), id, "Credited");
                assertThat(debits).isLessThanOrEqualTo(1);
                assertThat(refunds).isEqualTo(order.status() == Order.Status.CANCELLED ? debits : 0);
            }
        }
        for (int i = 0; i < SKUS.length; i++) {
            Inventory.Stock stock = shop.inventory.load(SKUS[i]).state();
            assertThat(stock.reserved()).as("nothing stays reserved of %s", SKUS[i]).isZero();
            assertThat(stock.sold()).isEqualTo(sold.getOrDefault(SKUS[i], 0L));
            assertThat(stock.available() + sold.getOrDefault(SKUS[i], 0L)).as("restocked of %s", SKUS[i])
                    .isEqualTo((long) world.stock().get(i));
        }
        for (int i = 0; i < ACCOUNTS.length; i++) {
            assertThat(shop.accounts.load(ACCOUNTS[i]).state().balance()).as("balance of %s", ACCOUNTS[i])
                    .isEqualTo(world.credits().get(i) - spent.getOrDefault(ACCOUNTS[i], 0L));
        }
        assertThat(shop.pipeline.deadLetters().count()).isZero();
    }
}
