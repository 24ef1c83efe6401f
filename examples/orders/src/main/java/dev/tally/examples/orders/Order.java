package dev.tally.examples.orders;

import dev.tally.core.AggregateDefinition;
import dev.tally.core.Decider;
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

    static final class Rules implements Decider<OrderCommand, OrderEvent, State> {
        @Override
        public State initialState() {
            return State.NONE;
        }

        @Override
        public Decision<OrderEvent> decide(OrderCommand command, State order) {
            if (command instanceof Place p) {
                if (order.status() != Status.NONE) {
                    return Decision.reject("order_exists", "the order exists already (" + order.status() + ")");
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
