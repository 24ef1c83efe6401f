package dev.tally.examples.orders;

import dev.tally.core.Event;
import dev.tally.core.command.Decision;
import dev.tally.core.message.MessageFilter;
import dev.tally.core.saga.ProcessManager;
import dev.tally.core.saga.Saga;
import dev.tally.core.saga.SagaAction;
import dev.tally.core.saga.SagaInput;
import dev.tally.examples.bank.BankAccount;
import dev.tally.examples.bank.Credit;
import dev.tally.examples.bank.Debit;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The order saga: for each placed order, reserve the stock of every SKU, take the payment (a debit
 * of the buyer's bank account), confirm the order, then turn the reservations into sales. A refusal
 * (insufficient_stock, insufficient_funds) or the deadline passing before the confirmation cancels
 * the order after compensating the steps taken, in reverse order: the refund (a credit), then each
 * reservation's release. The confirmation is the pivot: once the order is confirmed, the deadline
 * no longer cancels it.
 *
 * <p>Its state is an aggregate of the store {@value #NAME}, one instance per order (same id).
 */
public final class OrderSaga implements ProcessManager<OrderSaga.SagaEvent, OrderSaga.Progress> {
    public static final String NAME = "order-saga";
    public static final String DEADLINE = "deadline";

    /** One step's recorded outcome: a forward step, a compensation or a finishing step. */
    public record Step(String name, boolean accepted, String code) {
    }

    /** What the saga knows of one order. */
    public record Progress(String orderId, String accountId, List<Order.Line> lines, long total, Instant deadline,
                           boolean timerSet, boolean timerCleared, String reason, String inFlight, List<Step> steps) {
        public static final Progress NONE = new Progress(null, null, List.of(), 0, null, false, false, null, null,
                List.of());

        public Progress {
            lines = List.copyOf(lines == null ? List.of() : lines);
            steps = List.copyOf(steps == null ? List.of() : steps);
        }

        public boolean started() {
            return orderId != null;
        }

        Optional<Step> outcome(String name) {
            return steps.stream().filter(s -> s.name().equals(name)).findFirst();
        }

        boolean has(String name) {
            return outcome(name).isPresent();
        }

        boolean accepted(String name) {
            return outcome(name).map(Step::accepted).orElse(false);
        }

        public boolean confirmed() {
            return accepted("confirm");
        }

        /** Failed before the pivot: compensating, then cancelling. */
        public boolean failing() {
            return reason != null && !confirmed();
        }

        /** The forward steps before the pivot, in order: a reservation per SKU, the payment, the confirmation. */
        List<String> forward() {
            List<String> out = new ArrayList<>();
            lines.forEach(l -> out.add("reserve:" + l.sku()));
            out.add("pay");
            out.add("confirm");
            return out;
        }

        /** Nothing left to do: confirmed and sold, or compensated and cancelled. */
        public boolean finished() {
            return started() && timerCleared && (confirmed() ? lines.stream().allMatch(l -> has("sell:" + l.sku()))
                    : has("cancel-order"));
        }

        Progress with(Step step) {
            List<Step> s = new ArrayList<>(steps);
            s.add(step);
            String r = reason == null && !step.accepted() && forward().contains(step.name()) ? step.code() : reason;
            return new Progress(orderId, accountId, lines, total, deadline, timerSet, timerCleared, r, inFlight, s);
        }
    }

    public sealed interface SagaEvent permits SagaStarted, DeadlineSet, DeadlineCleared, StepRecorded, DeadlinePassed {
    }

    public record SagaStarted(String orderId, String accountId, List<Order.Line> lines, long total, Instant deadline)
            implements SagaEvent {
    }

    public record DeadlineSet() implements SagaEvent {
    }

    public record DeadlineCleared() implements SagaEvent {
    }

    public record StepRecorded(String name, boolean accepted, String code) implements SagaEvent {
    }

    /** The deadline passed before the confirmation; {@code inFlight} is the step that may have been sent. */
    public record DeadlinePassed(String inFlight) implements SagaEvent {
    }

    /** The saga as a value: it observes the placed orders. */
    public static final Saga<SagaEvent, Progress> SAGA = Saga.of(NAME, Progress.class, SagaEvent.class,
            MessageFilter.stateOf(Order.STORE).withEventTypes(Set.of("OrderPlaced")), new OrderSaga());

    @Override
    public Progress initialState() {
        return Progress.NONE;
    }

    @Override
    public Optional<String> instanceOf(SagaInput.Observed message) {
        // one instance per order, named after it: every observation of an order finds its instance
        return message.store().equals(Order.STORE) && message.eventType().equals("OrderPlaced")
                ? Optional.of(message.aggregateId()) : Optional.empty();
    }

    @Override
    public Decision<SagaEvent> react(SagaInput input, Progress p) {
        if (input instanceof SagaInput.Observed o) {
            // observations come at least once and in any order: only the OrderPlaced event starts an
            // instance, once; what it needs comes from that event (its payload and its timestamp), never
            // from "the latest" state, so a late or repeated delivery decides the same
            if (p.started() || !o.eventType().equals("OrderPlaced")) {
                return Decision.nothing();
            }
            Order.OrderPlaced placed = o.payload(Order.OrderPlaced.class);
            return Decision.emit(new SagaStarted(o.aggregateId(), placed.accountId(), merged(placed.lines()),
                    placed.total(), o.event().timestamp().plusSeconds(placed.timeoutSeconds())));
        }
        if (!p.started()) {
            return Decision.nothing();
        }
        if (input instanceof SagaInput.Replied r) {
            return switch (r.actionId()) {
                case "timer:set" -> p.timerSet() ? Decision.nothing() : late(p, r, new DeadlineSet());
                case "timer:clear" -> p.timerCleared() ? Decision.nothing() : Decision.emit(new DeadlineCleared());
                default -> p.has(r.actionId()) ? Decision.nothing()
                        : late(p, r, new StepRecorded(r.actionId(), r.accepted(), r.code()));
            };
        }
        // the deadline: too late for an order not confirmed yet, unless it is failing already
        if (p.confirmed() || p.failing()) {
            return Decision.nothing();
        }
        String next = p.forward().stream().filter(s -> !p.has(s)).findFirst().orElse(null);
        return Decision.emit(new DeadlinePassed(next));
    }

    /**
     * The event of a reply, and when the reply came at or after the deadline of an order not
     * confirmed by it, the deadline's passing too (a saga started or resumed late stops there).
     */
    private Decision<SagaEvent> late(Progress p, SagaInput.Replied r, SagaEvent event) {
        Progress after = p;
        if (event instanceof StepRecorded s) {
            after = p.with(new Step(s.name(), s.accepted(), s.code()));
        }
        if (r.at().isBefore(p.deadline()) || after.confirmed() || after.failing()) {
            return Decision.emit(event);
        }
        return Decision.emit(event, new DeadlinePassed(null));
    }

    @Override
    public Progress evolve(Progress p, Event<SagaEvent> event) {
        SagaEvent e = event.payload();
        if (e instanceof SagaStarted s) {
            return new Progress(s.orderId(), s.accountId(), s.lines(), s.total(), s.deadline(), false, false, null,
                    null, List.of());
        }
        if (e instanceof DeadlineSet) {
            return new Progress(p.orderId(), p.accountId(), p.lines(), p.total(), p.deadline(), true, p.timerCleared(),
                    p.reason(), p.inFlight(), p.steps());
        }
        if (e instanceof DeadlineCleared) {
            return new Progress(p.orderId(), p.accountId(), p.lines(), p.total(), p.deadline(), p.timerSet(), true,
                    p.reason(), p.inFlight(), p.steps());
        }
        if (e instanceof StepRecorded s) {
            return p.with(new Step(s.name(), s.accepted(), s.code()));
        }
        DeadlinePassed d = (DeadlinePassed) e;
        return new Progress(p.orderId(), p.accountId(), p.lines(), p.total(), p.deadline(), p.timerSet(),
                p.timerCleared(), p.reason() == null ? "timeout" : p.reason(), d.inFlight(), p.steps());
    }

    @Override
    public List<SagaAction> todo(Progress p) {
        if (!p.started()) {
            return List.of();
        }
        if (!p.timerSet()) {
            return List.of(new SagaAction.Schedule("timer:set", DEADLINE, p.deadline()));
        }
        if (!p.failing()) {
            for (String step : p.forward()) {
                if (!p.has(step)) {
                    return List.of(send(p, step));
                }
            }
            for (Order.Line l : p.lines()) {
                if (!p.has("sell:" + l.sku())) {
                    return List.of(new SagaAction.Send("sell:" + l.sku(), Inventory.STORE, l.sku(),
                            new Inventory.Sell(p.orderId())));
                }
            }
        } else {
            // a step that may have been sent when the deadline passed: learn whether its command applied
            // (by its command id, without sending it: a payment is not taken after the deadline only to
            // be refunded), so that it is compensated if it did
            if (p.inFlight() != null && !p.has(p.inFlight())) {
                return List.of(check(p, p.inFlight()));
            }
            List<String> taken = new ArrayList<>(p.forward());
            java.util.Collections.reverse(taken);
            for (String step : taken) {
                String compensation = compensationOf(step);
                if (compensation != null && p.accepted(step) && !p.has(compensation)) {
                    return List.of(compensate(p, step, compensation));
                }
            }
            if (!p.has("cancel-order")) {
                return List.of(new SagaAction.Send("cancel-order", Order.STORE, p.orderId(),
                        new Order.Cancel(p.reason())));
            }
        }
        return p.timerCleared() ? List.of() : List.of(new SagaAction.Cancel("timer:clear", DEADLINE));
    }

    private static SagaAction send(Progress p, String step) {
        if (step.equals("pay")) {
            return new SagaAction.Send(step, BankAccount.STORE, p.accountId(), new Debit(p.total()));
        }
        if (step.equals("confirm")) {
            return new SagaAction.Send(step, Order.STORE, p.orderId(), new Order.Confirm());
        }
        String sku = step.substring("reserve:".length());
        long quantity = p.lines().stream().filter(l -> l.sku().equals(sku)).mapToLong(Order.Line::quantity).sum();
        return new SagaAction.Send(step, Inventory.STORE, sku, new Inventory.Reserve(p.orderId(), quantity));
    }

    /** Whether the command of a forward step applied, without sending it. */
    private static SagaAction check(Progress p, String step) {
        SagaAction.Send send = (SagaAction.Send) send(p, step);
        return new SagaAction.Check(step, send.store(), send.aggregateId());
    }

    /** The compensation of a forward step: a refund for the payment, a release for a reservation. */
    static String compensationOf(String step) {
        if (step.equals("pay")) {
            return "refund";
        }
        return step.startsWith("reserve:") ? "release:" + step.substring("reserve:".length()) : null;
    }

    private static SagaAction compensate(Progress p, String step, String compensation) {
        if (step.equals("pay")) {
            return new SagaAction.Send(compensation, BankAccount.STORE, p.accountId(), new Credit(p.total()));
        }
        String sku = step.substring("reserve:".length());
        return new SagaAction.Send(compensation, Inventory.STORE, sku, new Inventory.Release(p.orderId()));
    }

    /** One line per SKU (quantities added up), in the order they first appear. */
    static List<Order.Line> merged(List<Order.Line> lines) {
        Map<String, Order.Line> bySku = new LinkedHashMap<>();
        for (Order.Line l : lines) {
            bySku.merge(l.sku(), l, (a, b) -> new Order.Line(a.sku(), a.quantity() + b.quantity(), a.unitPrice()));
        }
        return List.copyOf(bySku.values());
    }
}
