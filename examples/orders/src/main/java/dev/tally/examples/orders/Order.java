package dev.tally.examples.orders;

import dev.tally.core.AggregateDefinition;
import dev.tally.core.Decider;
import dev.tally.core.DecisionContext;
import dev.tally.core.Event;
import dev.tally.core.command.Command;
import dev.tally.core.command.Decision;
import java.time.Instant;
import java.util.List;

/**
 * An order: placed, then confirmed or cancelled with a reason, once. The order itself only records
 * the outcome; the order saga ({@link OrderSaga}) reserves the stock, takes the payment and decides.
 */
public final class Order {
    public static final String STORE = "order";

    public enum Status { NONE, PENDING, CONFIRMED, CANCELLED }

    /** One line: a SKU, how many, the unit price in minor units. */
    public record Line(String sku, long quantity, long unitPrice) {
    }

    public record State(Status status, String accountId, List<Line> lines, long total, long timeoutSeconds,
                        Instant placedAt, String reason) {
        public static final State NONE = new State(Status.NONE, null, List.of(), 0, 0, null, null);

        public State {
            lines = List.copyOf(lines == null ? List.of() : lines);
        }
    }

    public sealed interface OrderCommand extends Command<State> permits Place, Confirm, Cancel {
    }

    public record Place(String accountId, List<Line> lines, long timeoutSeconds) implements OrderCommand {
    }

    public record Confirm() implements OrderCommand {
    }

    public record Cancel(String reason) implements OrderCommand {
    }

    public sealed interface OrderEvent permits OrderPlaced, OrderConfirmed, OrderCancelled {
    }

    public record OrderPlaced(String accountId, List<Line> lines, long total, long timeoutSeconds)
            implements OrderEvent {
    }

    public record OrderConfirmed() implements OrderEvent {
    }

    public record OrderCancelled(String reason) implements OrderEvent {
    }

    static final int MAX_LINES = 100;
    static final long MAX_TIMEOUT_SECONDS = 86_400;
    private static final java.util.regex.Pattern ID = java.util.regex.Pattern.compile("[A-Za-z0-9_-]{1,64}");

    static final class Rules implements Decider<OrderCommand, OrderEvent, State> {
        @Override
        public State initialState() {
            return State.NONE;
        }

        @Override
        public Decision<OrderEvent> decide(OrderCommand command, State order, DecisionContext context) {
            if (command instanceof Place p) {
                if (order.status() != Status.NONE) {
                    return Decision.reject("order_exists", "the order exists already (" + order.status() + ")");
                }
                String problem = problem(p);
                if (problem != null) {
                    // the same rules as POST /api/orders/{id}, for every other way in (the generic route)
                    return Decision.reject("invalid_order", problem);
                }
                long total = 0;
                for (Line l : p.lines()) {
                    total = Math.addExact(total, Math.multiplyExact(l.quantity(), l.unitPrice()));
                }
                return Decision.emit(new OrderPlaced(p.accountId(), p.lines(), total, p.timeoutSeconds()));
            }
            if (command instanceof Confirm) {
                return switch (order.status()) {
                    case PENDING -> Decision.emit(new OrderConfirmed());
                    case CONFIRMED -> Decision.nothing();
                    default -> Decision.reject("not_pending", "only a pending order is confirmed; it is "
                            + order.status());
                };
            }
            Cancel c = (Cancel) command;
            return switch (order.status()) {
                case PENDING -> Decision.emit(new OrderCancelled(c.reason()));
                case CANCELLED -> Decision.nothing();
                default -> Decision.reject("not_pending", "only a pending order is cancelled; it is " + order.status());
            };
        }

        /** What is wrong with an order to place, naming the field, or null when nothing is. */
        static String problem(Place p) {
            if (p.accountId() == null || !ID.matcher(p.accountId()).matches()) {
                return "'accountId' must be a bank account id (1-64 letters, digits, '_' or '-'), got " + p.accountId();
            }
            if (p.lines() == null || p.lines().isEmpty() || p.lines().size() > MAX_LINES) {
                return "'lines' must hold 1-" + MAX_LINES + " lines, got " + (p.lines() == null ? "none"
                        : p.lines().size());
            }
            long total = 0;
            for (int i = 0; i < p.lines().size(); i++) {
                Line l = p.lines().get(i);
                String where = "'lines[" + i + "].";
                if (l == null) {
                    return "'lines[" + i + "]' must be a line {sku, quantity, unitPrice}";
                }
                if (l.sku() == null || !ID.matcher(l.sku()).matches()) {
                    return where + "sku' must be a SKU (1-64 letters, digits, '_' or '-'), got " + l.sku();
                }
                if (l.quantity() <= 0) {
                    return where + "quantity' must be positive, got " + l.quantity();
                }
                if (l.unitPrice() <= 0) {
                    return where + "unitPrice' must be positive (minor units), got " + l.unitPrice();
                }
                try {
                    total = Math.addExact(total, Math.multiplyExact(l.quantity(), l.unitPrice()));
                } catch (ArithmeticException e) {
                    return "the order's total overflows at " + where + "quantity' and " + where + "unitPrice'";
                }
            }
            if (p.timeoutSeconds() < 1 || p.timeoutSeconds() > MAX_TIMEOUT_SECONDS) {
                return "'timeoutSeconds' must be 1 to " + MAX_TIMEOUT_SECONDS + ", got " + p.timeoutSeconds();
            }
            return null;
        }

        @Override
        public State evolve(State order, Event<OrderEvent> event) {
            OrderEvent e = event.payload();
            if (e instanceof OrderPlaced p) {
                return new State(Status.PENDING, p.accountId(), p.lines(), p.total(), p.timeoutSeconds(),
                        event.timestamp(), null);
            }
            if (e instanceof OrderConfirmed) {
                return new State(Status.CONFIRMED, order.accountId(), order.lines(), order.total(),
                        order.timeoutSeconds(), order.placedAt(), null);
            }
            return new State(Status.CANCELLED, order.accountId(), order.lines(), order.total(), order.timeoutSeconds(),
                    order.placedAt(), ((OrderCancelled) e).reason());
        }
    }

    /**
     * Confirm and cancel are the order saga's outcome: a client cannot confirm an order it has not
     * paid for, nor cancel one under way, through the generic command route (403 internal_command).
     */
    public static final AggregateDefinition<State> DEFINITION = AggregateDefinition.builder(STORE, State.class,
            OrderCommand.class, OrderEvent.class, new Rules()).internalCommands(Confirm.class, Cancel.class).build();

    private Order() {
    }
}
