package dev.tally.examples.orders;

import static dev.tally.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tally.core.internal.Chaos;
import dev.tally.core.internal.Settling;
import dev.tally.core.saga.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The order saga's behaviour, the same on every stack: a subclass gives a fresh {@link Shop} on its
 * pipeline and, where the stack keeps data, a second one on the same storage (a restart).
 */
abstract class OrderSagaScenarios {
    Shop shop;

    /** A shop on fresh storage. */
    abstract Shop newShop(Chaos chaos, Crashes crashes, Shop.MovableClock clock);

    /** After {@code halted} stopped as kill -9 would, a shop on the same storage; null where nothing is kept. */
    abstract Shop restart(Shop halted, Shop.MovableClock clock);

    @AfterEach
    void closeShop() {
        if (shop != null) {
            shop.close();
        }
    }

    Shop start() {
        shop = newShop(Chaos.NONE, Crashes.NONE, new Shop.MovableClock());
        return shop;
    }

    static Order.Line line(String sku, long quantity, long unitPrice) {
        return new Order.Line(sku, quantity, unitPrice);
    }

    List<String> stepNames(String orderId) {
        return shop.sagas.load(orderId).state().steps().stream().map(OrderSaga.Step::name).toList();
    }

    @Test
    void anOrderWithStockAndFundsIsConfirmedAndItsStockSold() {
        Shop s = start();
        s.restock("apple", 10);
        s.credit("alice", 1_000);
        s.place("o1", "alice", 3600, line("apple", 2, 150));

        Order.State order = s.awaitOutcome("o1");
        assertThat(order.status()).isEqualTo(Order.Status.CONFIRMED);
        assertThat(order.total()).isEqualTo(300);
        assertThat(stepNames("o1")).containsExactly("reserve:apple", "pay", "confirm", "sell:apple");
        Inventory.Stock apple = s.inventory.load("apple").state();
        assertThat(apple.available()).isEqualTo(8);
        assertThat(apple.reserved()).isZero();
        assertThat(apple.sold()).isEqualTo(2);
        assertThat(s.accounts.load("alice").state().balance()).isEqualTo(700);
        eventually(() -> assertThat(s.timers.due(Instant.now().plus(Duration.ofDays(2)), 100))
                .as("the deadline is cancelled once confirmed").noneMatch(t -> t.sagaId().equals("o1")));
    }

    /** Every event of the stores an order touches, all stores together. */
    private List<dev.tally.core.RecordedEvent> eventsOf(Shop s, String orderId, String account, String... skus) {
        List<dev.tally.core.RecordedEvent> all = new java.util.ArrayList<>();
        all.addAll(s.orders.read(orderId, dev.tally.core.ReadOptions.ALL));
        all.addAll(s.sagas.read(orderId, dev.tally.core.ReadOptions.ALL));
        all.addAll(s.accounts.read(account, dev.tally.core.ReadOptions.ALL));
        for (String sku : skus) {
            all.addAll(s.inventory.read(sku, dev.tally.core.ReadOptions.ALL));
        }
        return all;
    }

    private static List<dev.tally.core.RecordedEvent> found(Shop s, String correlationId) {
        List<dev.tally.core.RecordedEvent> out = new java.util.ArrayList<>();
        dev.tally.core.PageRequest page = dev.tally.core.PageRequest.first(7);
        while (true) {
            dev.tally.core.Page<dev.tally.core.RecordedEvent> p = s.queries.find(
                    dev.tally.core.query.EventFilter.ofCorrelationId(correlationId), page);
            out.addAll(p.items());
            if (p.isLast()) {
                return out;
            }
            page = page.next(p.nextCursor());
        }
    }

    @Test
    void everythingAnOrderCausedCarriesItsCorrelationIdAndTracesAsOneTree() {
        Shop s = start();
        s.restock("apple", 10);
        s.credit("erin", 1_000);
        assertThat(s.orders.execute("o7", new Order.Place("erin", List.of(line("apple", 2, 150)), 3600),
                dev.tally.core.EventMetadata.of("corr-o7", "command-o7", "test")).isAccepted()).isTrue();
        assertThat(s.awaitOutcome("o7").status()).isEqualTo(Order.Status.CONFIRMED);
        eventually(() -> assertThat(s.sagas.load("o7").state().finished()).isTrue());
        assertThat(((Settling) s.pipeline).awaitQuiet(Duration.ofMinutes(1))).isTrue();

        List<dev.tally.core.RecordedEvent> caused = eventsOf(s, "o7", "erin", "apple").stream()
                .filter(e -> !e.type().equals("Restocked") && !e.type().equals("Credited")).toList();
        assertThat(caused).extracting(dev.tally.core.RecordedEvent::store).contains("order", "order-saga",
                "inventory", "bank-account");
        assertThat(caused).allSatisfy(e -> assertThat(e.metadata().correlationId()).as(e.coordinates())
                .isEqualTo("corr-o7"));
        eventually(() -> assertThat(found(s, "corr-o7")).containsExactlyInAnyOrderElementsOf(caused));

        dev.tally.core.query.Trace.Result trace = dev.tally.core.query.Trace.of(s.queries, "corr-o7");
        assertThat(trace.roots()).hasSize(1);
        assertThat(trace.roots().get(0).flatten()).filteredOn(n -> n.kind().equals("event"))
                .hasSize(caused.size());
        String text = dev.tally.core.query.TraceText.render(trace);
        assertThat(text).startsWith("trace corr-o7: " + caused.size() + " events\nrequest command-o7 -> order/o7");
        assertThat(text.indexOf("StockReserved")).as(text).isPositive().isLessThan(text.indexOf("Debited"));
        assertThat(text.indexOf("Debited")).as(text).isLessThan(text.indexOf("StockSold"));
        assertThat(text).contains("command pay -> bank-account/erin");
    }

    @Test
    void aRefusedStepIsInTheTraceThoughItWroteNothing() {
        Shop s = start();
        s.restock("apple", 10);
        s.credit("fred", 100);
        assertThat(s.orders.execute("o8", new Order.Place("fred", List.of(line("apple", 2, 150)), 3600),
                dev.tally.core.EventMetadata.of("corr-o8", "command-o8", "test")).isAccepted()).isTrue();
        assertThat(s.awaitOutcome("o8").status()).isEqualTo(Order.Status.CANCELLED);
        eventually(() -> assertThat(s.sagas.load("o8").state().finished()).isTrue());

        List<dev.tally.core.RecordedEvent> caused = eventsOf(s, "o8", "fred", "apple").stream()
                .filter(e -> !e.type().equals("Restocked") && !e.type().equals("Credited")).toList();
        assertThat(caused).allSatisfy(e -> assertThat(e.metadata().correlationId()).as(e.coordinates())
                .isEqualTo("corr-o8"));
        eventually(() -> assertThat(dev.tally.core.query.TraceText.render(
                dev.tally.core.query.Trace.of(s.queries, "corr-o8")))
                .containsPattern("command pay -> bank-account/fred  \\S+  rejected: ")
                .contains("StockReleased"));
    }

    @Test
    void whatADeadlineCausesCarriesTheOrdersCorrelationIdToo() {
        Shop s = start();
        s.restock("apple", 10);
        s.credit("gina", 1_000);
        s.unreachable.add("bank-account");
        assertThat(s.orders.execute("o9", new Order.Place("gina", List.of(line("apple", 3, 100)), 60),
                dev.tally.core.EventMetadata.of("corr-o9", "command-o9", "test")).isAccepted()).isTrue();
        eventually(() -> assertThat(stepNames("o9")).containsExactly("reserve:apple"));
        // the saga's deliveries give up on the bank (dead letters): only the deadline moves the order on
        eventually(() -> assertThat(s.pipeline.deadLetters().count()).isPositive());
        assertThat(((Settling) s.pipeline).awaitQuiet(Duration.ofMinutes(1))).isTrue();
        s.unreachable.clear();
        s.clock.advance(Duration.ofMinutes(2)); // past the deadline: the poller fires it
        assertThat(s.awaitOutcome("o9").reason()).isEqualTo("timeout");
        eventually(() -> assertThat(s.sagas.load("o9").state().finished()).isTrue());

        List<dev.tally.core.RecordedEvent> caused = eventsOf(s, "o9", "gina", "apple").stream()
                .filter(e -> !e.type().equals("Restocked") && !e.type().equals("Credited")).toList();
        assertThat(caused).extracting(dev.tally.core.RecordedEvent::type).contains("StockReleased");
        assertThat(caused).allSatisfy(e -> assertThat(e.metadata().correlationId()).as(e.coordinates())
                .isEqualTo("corr-o9"));
        eventually(() -> assertThat(dev.tally.core.query.TraceText.render(
                dev.tally.core.query.Trace.of(s.queries, "corr-o9"))).contains("timer t-").contains("StockReleased"));
    }

    @Test
    void aRefusedPaymentReleasesTheReservedStock() {
        Shop s = start();
        s.restock("apple", 10);
        s.restock("pear", 5);
        s.credit("bob", 100);
        s.place("o2", "bob", 3600, line("apple", 2, 150), line("pear", 1, 50));

        Order.State order = s.awaitOutcome("o2");
        assertThat(order.status()).isEqualTo(Order.Status.CANCELLED);
        assertThat(order.reason()).isEqualTo("insufficient_funds");
        assertThat(stepNames("o2")).as("compensations in reverse order of the steps taken")
                .containsExactly("reserve:apple", "reserve:pear", "pay", "release:pear", "release:apple",
                        "cancel-order");
        assertThat(s.inventory.load("apple").state().available()).isEqualTo(10);
        assertThat(s.inventory.load("pear").state().available()).isEqualTo(5);
        assertThat(s.inventory.load("apple").state().reserved()).isZero();
        assertThat(s.accounts.load("bob").state().balance()).isEqualTo(100);
    }

    @Test
    void missingStockCancelsAndReleasesWhatWasReserved() {
        Shop s = start();
        s.restock("apple", 10);
        s.restock("pear", 1);
        s.credit("carol", 10_000);
        s.place("o3", "carol", 3600, line("apple", 2, 150), line("pear", 5, 50));

        Order.State order = s.awaitOutcome("o3");
        assertThat(order.status()).isEqualTo(Order.Status.CANCELLED);
        assertThat(order.reason()).isEqualTo("insufficient_stock");
        assertThat(stepNames("o3")).containsExactly("reserve:apple", "reserve:pear", "release:apple",
                "cancel-order");
        assertThat(s.inventory.load("apple").state().available()).isEqualTo(10);
        assertThat(s.accounts.load("carol").state().balance()).isEqualTo(10_000);
        assertThat(s.accounts.load("carol").version()).as("the account was never touched").isEqualTo(1);
    }

    @Test
    void theDeadlineCancelsAnOrderStuckBeforeItsPaymentAndCompensatesOnce() {
        Shop s = start();
        s.restock("apple", 10);
        s.credit("dave", 1_000);
        s.unreachable.add("bank-account");
        s.place("o4", "dave", 60, line("apple", 3, 100));
        eventually(() -> assertThat(stepNames("o4")).containsExactly("reserve:apple"));
        assertThat(s.inventory.load("apple").state().reserved()).isEqualTo(3);

        s.clock.advance(Duration.ofMinutes(2)); // past the deadline: the poller fires it
        s.unreachable.clear();

        Order.State order = s.awaitOutcome("o4");
        assertThat(order.status()).isEqualTo(Order.Status.CANCELLED);
        assertThat(order.reason()).isEqualTo("timeout");
        assertCompensatedOnce(s, "o4", "dave", "apple", 1_000, 10);
    }

    @Test
    void aPaymentThatNeverWentThroughBeforeTheDeadlineIsCheckedNotTakenLate() {
        Shop s = start();
        s.restock("apple", 10);
        s.credit("kate", 1_000);
        s.unreachable.add("bank-account");
        s.place("o6", "kate", 60, line("apple", 2, 100));
        eventually(() -> assertThat(stepNames("o6")).containsExactly("reserve:apple"));
        // the saga's deliveries give up on the bank (dead letters): nothing sends the payment again
        eventually(() -> assertThat(s.pipeline.deadLetters().count()).isPositive());
        assertThat(((Settling) s.pipeline).awaitQuiet(Duration.ofMinutes(1))).isTrue();

        s.unreachable.clear(); // the bank is back, but only the deadline moves the order on
        s.clock.advance(Duration.ofMinutes(2));

        Order.State order = s.awaitOutcome("o6");
        assertThat(order.status()).isEqualTo(Order.Status.CANCELLED);
        assertThat(order.reason()).isEqualTo("timeout");
        assertThat(stepNames("o6")).containsExactly("reserve:apple", "pay", "release:apple", "cancel-order");
        assertThat(s.sagas.load("o6").state().steps().get(1))
                .as("the payment checked by its command id, not sent after the deadline")
                .isEqualTo(new OrderSaga.Step("pay", false, "not_applied"));
        assertThat(s.applied(s.accounts, "kate", "o6", "Debited")).isZero();
        assertThat(s.accounts.load("kate").version()).as("the account was never touched").isEqualTo(1);
        assertCompensatedOnce(s, "o6", "kate", "apple", 1_000, 10);
    }

    @Test
    void aTimeoutSurvivesARestart() {
        Shop.MovableClock clock = new Shop.MovableClock();
        shop = newShop(Chaos.NONE, Crashes.NONE, clock);
        Shop first = shop;
        first.restock("apple", 10);
        first.credit("erin", 1_000);
        first.unreachable.add("bank-account"); // the payment hangs: the order waits for it
        first.place("o5", "erin", 60, line("apple", 4, 100));
        eventually(() -> assertThat(first.sagas.load("o5").state().steps()).extracting(OrderSaga.Step::name)
                .containsExactly("reserve:apple"));
        List<Timer> pending = first.timers.due(Instant.now().plus(Duration.ofDays(1)), 1000);
        assertThat(pending).anyMatch(t -> t.sagaId().equals("o5"));

        Shop.MovableClock later = new Shop.MovableClock();
        later.advance(Duration.ofMinutes(5)); // started again after the deadline
        shop = restart(first, later);
        assumeTrue(shop != null, "this stack keeps nothing across a restart");
        Order.State order = shop.awaitOutcome("o5");
        assertThat(order.status()).isEqualTo(Order.Status.CANCELLED);
        assertThat(order.reason()).isEqualTo("timeout");
        assertCompensatedOnce(shop, "o5", "erin", "apple", 1_000, 10);
    }

    @Test
    void crashesBetweenStepsOnAChaoticBusChangeNoOutcome() {
        Crashes crashes = new Crashes(0.1, 42, 25);
        shop = newShop(new Chaos(0.3, Duration.ofMillis(5), true), crashes, new Shop.MovableClock());
        Shop s = shop;
        // independent orders (own SKUs, own accounts): their outcomes do not depend on their order
        s.restock("apple", 5);
        s.restock("pear", 2);
        s.restock("plum", 5);
        s.restock("kiwi", 3);
        s.restock("fig", 2);
        s.credit("frank", 500);
        s.credit("grace", 500);
        s.credit("heidi", 100);
        s.credit("ivan", 1_000);
        s.place("c1", "frank", 3600, line("apple", 2, 100));
        s.place("c2", "grace", 3600, line("pear", 3, 10));
        s.place("c3", "heidi", 3600, line("plum", 1, 300));
        s.place("c4", "ivan", 3600, line("kiwi", 1, 100), line("fig", 2, 50));

        assertThat(s.awaitOutcome("c1").status()).isEqualTo(Order.Status.CONFIRMED);
        assertThat(s.awaitOutcome("c2").reason()).isEqualTo("insufficient_stock");
        assertThat(s.awaitOutcome("c3").reason()).isEqualTo("insufficient_funds");
        assertThat(s.awaitOutcome("c4").status()).isEqualTo(Order.Status.CONFIRMED);
        assertThat(List.of("frank", "grace", "heidi", "ivan")).extracting(a -> s.accounts.load(a).state().balance())
                .containsExactly(300L, 500L, 100L, 800L);
        assertThat(List.of("apple", "pear", "plum", "kiwi", "fig")).extracting(k -> s.inventory.load(k).state())
                .extracting(Inventory.Stock::available, Inventory.Stock::reserved, Inventory.Stock::sold)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(3L, 0L, 2L),
                        org.assertj.core.groups.Tuple.tuple(2L, 0L, 0L),
                        org.assertj.core.groups.Tuple.tuple(5L, 0L, 0L),
                        org.assertj.core.groups.Tuple.tuple(2L, 0L, 1L),
                        org.assertj.core.groups.Tuple.tuple(0L, 0L, 2L));
        assertThat(s.applied(s.inventory, "plum", "c3", "StockReleased")).isEqualTo(1);
        assertThat(s.applied(s.accounts, "heidi", "c3", "Debited")).isZero();
        assertThat(s.applied(s.accounts, "heidi", "c3", "Credited")).isZero();
        assertThat(crashes.injected()).as("crashes were injected").isPositive();
    }

    /** After a cancellation: balance and stock as before the order, each compensation applied at most once. */
    static void assertCompensatedOnce(Shop s, String orderId, String account, String sku, long balance,
                                      long available) {
        assertThat(s.accounts.load(account).state().balance()).isEqualTo(balance);
        Inventory.Stock stock = s.inventory.load(sku).state();
        assertThat(stock.available()).isEqualTo(available);
        assertThat(stock.reserved()).isZero();
        assertThat(s.applied(s.inventory, sku, orderId, "StockReleased")).isEqualTo(1);
        long debits = s.applied(s.accounts, account, orderId, "Debited");
        assertThat(s.applied(s.accounts, account, orderId, "Credited")).as("one refund per debit").isEqualTo(debits)
                .isLessThanOrEqualTo(1);
        assertThat(s.applied(s.orders, orderId, orderId, "OrderCancelled")).isEqualTo(1);
    }
}
