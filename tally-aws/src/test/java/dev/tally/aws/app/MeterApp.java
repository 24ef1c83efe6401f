package dev.tally.aws.app;

import dev.tally.core.AggregateDefinition;
import dev.tally.core.Decider;
import dev.tally.core.app.TallyApp;
import dev.tally.core.command.Command;
import dev.tally.core.command.Decision;
import dev.tally.core.projection.Projection;
import java.util.List;

/** A small app for the generic functions and the template generator: a meter that adds positive amounts. */
public final class MeterApp implements TallyApp {
    public sealed interface MeterEvent permits Added {
    }

    public record Added(long amount) implements MeterEvent {
    }

    public sealed interface MeterCommand extends Command<Meter> permits Add {
    }

    public record Add(long amount) implements MeterCommand {
    }

    public record Meter(long total) {
    }

    public record TotalView(long total) {
    }

    public static final AggregateDefinition<Meter> METER = AggregateDefinition.of("meter", Meter.class,
            MeterCommand.class, MeterEvent.class, Decider.of(new Meter(0),
                    (MeterCommand c, Meter s) -> ((Add) c).amount() > 0
                            ? Decision.<MeterEvent>emit(new Added(((Add) c).amount()))
                            : Decision.<MeterEvent>reject("not_positive", "amount must be positive, got "
                            + ((Add) c).amount()),
                    (s, e) -> new Meter(s.total() + ((Added) e.payload()).amount())));

    public static final Projection<Meter, TotalView> TOTAL = Projection.of("meter-total", METER, TotalView.class,
            a -> new TotalView(a.state().total()));

    @Override
    public String name() {
        return "meter";
    }

    @Override
    public List<AggregateDefinition<?>> stores() {
        return List.of(METER);
    }

    @Override
    public List<Projection<?, ?>> projections() {
        return List.of(TOTAL);
    }
}
