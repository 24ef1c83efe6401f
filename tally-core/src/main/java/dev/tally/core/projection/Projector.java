package dev.tally.core.projection;

import dev.tally.core.message.Message;
import dev.tally.core.message.MessageHandler;
import dev.tally.core.observe.Observability;
import dev.tally.core.spi.Telemetry;
import dev.tally.core.spi.TraceSpan;
import dev.tally.core.runtime.FailurePolicy;
import dev.tally.core.runtime.Target;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The runner of a {@link Projection} behind a bus: a message handler that writes the view the
 * carried aggregate asks for, with the aggregate's version, through a {@link ProjectionWriter}
 * whose conditional write drops stale and duplicate deliveries.
 *
 * <pre>{@code
 * Projector<Account, BalanceView> balance = new Projector<>(BALANCE, balanceWriter);
 * bus.subscribe(balance.target());
 * }</pre>
 */
public final class Projector<S, V> implements MessageHandler {
    private final Projection<S, V> projection;
    private final ProjectionWriter<V> writer;
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong stale = new AtomicLong();

    public Projector(Projection<S, V> projection, ProjectionWriter<V> writer) {
        this.projection = Objects.requireNonNull(projection, "projection");
        this.writer = Objects.requireNonNull(writer, "writer");
    }

    @Override
    public void handle(Message message) {
        Optional<Projection.Row<V>> row = projection.rowOf(message);
        if (row.isEmpty()) {
            return;
        }
        Telemetry telemetry = Observability.telemetry();
        ProjectionWriter.WriteOutcome outcome;
        try (TraceSpan span = telemetry.span("tally.view.write",
                Observability.traceparentOf(message.event().metadata()))) {
            span.attribute("tally.projection", projection.name());
            try {
                outcome = writer.write(row.get().key(), row.get().version(), row.get().view());
            } catch (RuntimeException e) {
                span.failed(e);
                throw e;
            }
            span.attribute("tally.outcome", outcome.name());
        }
        if (outcome == ProjectionWriter.WriteOutcome.WRITTEN) {
            written.incrementAndGet();
            telemetry.viewWritten(projection.name(), message.event().timestamp());
        } else {
            stale.incrementAndGet();
        }
    }

    public String name() {
        return projection.name();
    }

    public Projection<S, V> projection() {
        return projection;
    }

    public ProjectionWriter<V> writer() {
        return writer;
    }

    /** This projector as a bus target with the default failure policy. */
    public Target target() {
        return Target.of(projection.name(), projection.filter(), this);
    }

    public Target target(FailurePolicy policy) {
        return new Target(projection.name(), projection.filter(), this, policy);
    }

    public long writtenCount() {
        return written.get();
    }

    public long staleCount() {
        return stale.get();
    }
}
