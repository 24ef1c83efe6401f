package dev.tally.core.saga;

import dev.tally.core.RetryPolicy;
import dev.tally.core.runtime.FailurePolicy;
import dev.tally.core.spi.PollingWorker;
import dev.tally.core.spi.TimerStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fires the due timers of a {@link TimerStore}: each goes to its saga's runner, and is removed only
 * after the runner recorded it, so a crash in between fires it again (at least once). Timers stored
 * by a previous run fire at the first poll after a restart. A timer whose saga fails stays stored
 * and is tried again at the next poll; a timer of a saga this poller does not run stays stored.
 */
public final class TimerPoller implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TimerPoller.class);

    private final TimerStore store;
    private final Map<String, SagaRunner<?, ?>> runners = new TreeMap<>();
    private final Clock clock;
    private final Duration interval;
    private final int batch;
    private final PollingWorker worker;

    public TimerPoller(TimerStore store, List<SagaRunner<?, ?>> runners, Clock clock, Duration interval) {
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.interval = Objects.requireNonNull(interval, "interval");
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("the poll interval must be positive, got " + interval);
        }
        this.batch = 100;
        for (SagaRunner<?, ?> r : runners) {
            this.runners.put(r.saga().name(), r);
        }
        // a failing timer stays stored and fires again at the next poll: no retry pacing beyond the interval
        this.worker = PollingWorker.builder("tally-timer-poller", this::pollOnce)
                .idle(PollingWorker.Idle.fixed(interval))
                .failurePolicy(FailurePolicy.of(new RetryPolicy(Integer.MAX_VALUE, interval, interval)))
                .interruptOnClose(true).build();
    }

    /**
     * Fires what is due now; returns how many timers fired. Failures are logged and the timer stays
     * for the next poll.
     */
    public int pollOnce() {
        List<Timer> due = store.due(clock.instant(), batch);
        int fired = 0;
        for (Timer t : due) {
            SagaRunner<?, ?> runner = runners.get(t.sagaName());
            if (runner == null) {
                LOG.warn("timer {} is for saga '{}', which this server does not run; it stays stored", t.id(),
                        t.sagaName());
                continue;
            }
            try {
                runner.fire(t);
                store.fired(t.id());
                fired++;
            } catch (RuntimeException e) {
                LOG.warn("timer {} of {}/{} failed, it fires again at the next poll: {}", t.id(), t.sagaName(),
                        t.sagaId(), e.toString());
            }
        }
        return fired;
    }

    /** Polls every interval on a daemon thread until {@link #close()}. */
    public TimerPoller start() {
        worker.start();
        return this;
    }

    @Override
    public void close() {
        worker.close();
    }
}
