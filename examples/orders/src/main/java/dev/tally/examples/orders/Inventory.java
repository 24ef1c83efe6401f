package dev.tally.examples.orders;

import dev.tally.core.AggregateDefinition;
import dev.tally.core.Decider;
import dev.tally.core.DecisionContext;
import dev.tally.core.Event;
import dev.tally.core.command.Command;
import dev.tally.core.command.Decision;
import java.util.Map;
import java.util.TreeMap;

/**
 * The stock of one SKU (the aggregate id is the SKU). Stock is never negative: a reservation takes
 * from what is available, a release gives it back, a sale turns it into sold. Reservations are kept
 * per order, so releasing or selling an order's stock twice changes nothing the second time.
 */
public final class Inventory {
    public static final String STORE = "inventory";

    /** {@code available + reserved + sold} = everything ever restocked. */
    public record Stock(long available, long reserved, long sold, Map<String, Long> reservations) {
        public static final Stock EMPTY = new Stock(0, 0, 0, Map.of());

        public Stock {
            reservations = Map.copyOf(reservations == null ? Map.of() : reservations);
        }

        long reservedFor(String orderId) {
            return reservations.getOrDefault(orderId, 0L);
        }
    }

    public sealed interface InventoryCommand extends Command<Stock> permits Restock, Reserve, Release, Sell {
    }

    /** Adds stock. */
    public record Restock(long quantity) implements InventoryCommand {
    }

    /** Sets {@code quantity} aside for an order, or refuses with insufficient_stock. */
    public record Reserve(String orderId, long quantity) implements InventoryCommand {
    }

    /** Gives an order's reservation back (a compensation): nothing when it holds none. */
    public record Release(String orderId) implements InventoryCommand {
    }

    /** Turns an order's reservation into sold stock once the order is confirmed. */
    public record Sell(String orderId) implements InventoryCommand {
    }

    public sealed interface InventoryEvent permits Restocked, StockReserved, StockReleased, StockSold {
    }

    public record Restocked(long quantity) implements InventoryEvent {
    }

    public record StockReserved(String orderId, long quantity) implements InventoryEvent {
    }

    public record StockReleased(String orderId, long quantity) implements InventoryEvent {
    }

    public record StockSold(String orderId, long quantity) implements InventoryEvent {
    }

    static final class Rules implements Decider<InventoryCommand, InventoryEvent, Stock> {
        @Override
        public Stock initialState() {
            return Stock.EMPTY;
        }

        @Override
        public Decision<InventoryEvent> decide(InventoryCommand command, Stock stock, DecisionContext context) {
            if (command instanceof Restock r) {
                return r.quantity() <= 0 ? Decision.reject("invalid_quantity", "restock a positive quantity, got "
                        + r.quantity()) : Decision.emit(new Restocked(r.quantity()));
            }
            if (command instanceof Reserve r) {
                if (r.quantity() <= 0) {
                    return Decision.reject("invalid_quantity", "reserve a positive quantity, got " + r.quantity());
                }
                if (stock.reservedFor(r.orderId()) > 0) {
                    return Decision.nothing(); // this order holds its reservation already
                }
                return r.quantity() > stock.available()
                        ? Decision.reject("insufficient_stock", "cannot reserve " + r.quantity() + ": " + stock.available()
                                + " available")
                        : Decision.emit(new StockReserved(r.orderId(), r.quantity()));
            }
            if (command instanceof Release r) {
                long held = stock.reservedFor(r.orderId());
                return held == 0 ? Decision.nothing() : Decision.emit(new StockReleased(r.orderId(), held));
            }
            Sell s = (Sell) command;
            long held = stock.reservedFor(s.orderId());
            return held == 0 ? Decision.nothing() : Decision.emit(new StockSold(s.orderId(), held));
        }

        @Override
        public Stock evolve(Stock stock, Event<InventoryEvent> event) {
            InventoryEvent e = event.payload();
            Map<String, Long> reservations = new TreeMap<>(stock.reservations());
            if (e instanceof Restocked r) {
                return new Stock(stock.available() + r.quantity(), stock.reserved(), stock.sold(), reservations);
            }
            if (e instanceof StockReserved r) {
                reservations.put(r.orderId(), r.quantity());
                return new Stock(stock.available() - r.quantity(), stock.reserved() + r.quantity(), stock.sold(),
                        reservations);
            }
            if (e instanceof StockReleased r) {
                reservations.remove(r.orderId());
                return new Stock(stock.available() + r.quantity(), stock.reserved() - r.quantity(), stock.sold(),
                        reservations);
            }
            StockSold s = (StockSold) e;
            reservations.remove(s.orderId());
            return new Stock(stock.available(), stock.reserved() - s.quantity(), stock.sold() + s.quantity(),
                    reservations);
        }
    }

    /** Reserve, release and sell are the order saga's: the generic command route refuses them (403). */
    public static final AggregateDefinition<Stock> DEFINITION = AggregateDefinition.builder(STORE, Stock.class,
            InventoryCommand.class, InventoryEvent.class, new Rules())
            .internalCommands(Reserve.class, Release.class, Sell.class).build();

    private Inventory() {
    }
}
