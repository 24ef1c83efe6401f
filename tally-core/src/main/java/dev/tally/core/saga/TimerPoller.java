package dev.tally.core.saga;

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
    private volatile Thread thread;
    private volatile boolean running;

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
    public synchronized TimerPoller start() {
        if (thread != null) {
            return this;
        }
        running = true;
        thread = new Thread(this::loop, "tally-timer-poller");
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    private void loop() {
        while (running) {
            try {
                while (running && pollOnce() >= batch) {
                    // a full batch: more may be due
                }
            } catch (RuntimeException e) {
                LOG.warn("polling the timer store failed, retrying in {}: {}", interval, e.toString());
            }
            try {
                Thread.sleep(interval.toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public synchronized void close() {
        running = false;
        Thread t = thread;
        if (t != null) {
            t.interrupt();
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        thread = null;
    }
}
