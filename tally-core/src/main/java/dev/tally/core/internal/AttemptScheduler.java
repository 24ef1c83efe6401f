package dev.tally.core.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntUnaryOperator;

/**
 * Where a {@link DeliveryEngine}'s attempts run: a small pool of daemon threads that runs each
 * after its delay, or (manual mode, no threads) a queue that the caller drains on its own thread
 * in the order it picks, which is how property tests make deliveries deterministic.
 */
final class AttemptScheduler {
    private final ScheduledExecutorService pool;
    private final List<Runnable> pending = new ArrayList<>();

    /** {@code threads} background threads, or manual mode for 0. */
    AttemptScheduler(int threads) {
        this.pool = threads == 0 ? null : Executors.newScheduledThreadPool(threads, r -> {
            Thread t = new Thread(r, "tally-delivery");
            t.setDaemon(true);
            return t;
        });
    }

    boolean manual() {
        return pool == null;
    }

    /** Runs {@code attempt} after the delay (manual mode: queues it); false when the pool stopped. */
    boolean schedule(Runnable attempt, long delayNanos) {
        if (pool == null) {
            synchronized (pending) {
                pending.add(attempt);
            }
            return true;
        }
        try {
            pool.schedule(attempt, delayNanos, TimeUnit.NANOSECONDS);
            return true;
        } catch (RejectedExecutionException stopped) {
            return false;
        }
    }

    /** Manual mode: the queued attempt at the index {@code pick} chooses among the queue's size, or null. */
    Runnable next(IntUnaryOperator pick) {
        synchronized (pending) {
            return pending.isEmpty() ? null : pending.remove(pick.applyAsInt(pending.size()));
        }
    }

    /** Stops the pool, interrupting what runs, and waits up to {@code wait} for it. */
    void stop(Duration wait) {
        if (pool == null) {
            return;
        }
        pool.shutdownNow();
        if (wait.isZero()) {
            return;
        }
        try {
            pool.awaitTermination(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
