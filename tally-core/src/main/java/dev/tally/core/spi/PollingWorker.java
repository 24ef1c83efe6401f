package dev.tally.core.spi;

import dev.tally.core.runtime.FailurePolicy;
import java.time.Duration;
import java.util.Objects;
import java.util.Random;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one polling thread of the runtime: the catch-up subscription, the stream poller, the
 * PostgreSQL projection runner, the ledger listener and the timer poller are configured instances
 * of it. The transport supplies one hook, {@link Poll#pollOnce}: fetch a batch after its stored
 * position, handle it, store the new position, and say how many items it moved past. The worker
 * owns the rest:
 *
 * <ul>
 *   <li><b>start and stop</b>: one daemon thread; {@link #close()} stops it after the poll in
 *       progress (and interrupts a poll that sleeps, when asked to);</li>
 *   <li><b>idle backoff</b>: after a poll that found nothing it waits, first {@code idle.first()},
 *       doubling on each empty poll up to {@code idle.max()}; work found, or {@link #wake()}, starts
 *       again at the shortest wait;</li>
 *   <li><b>failure handling</b> through a {@link FailurePolicy}: a poll that throws, or a consumer
 *       holding a failing item ({@link Builder#heldFailures}), waits the policy's backoff for that
 *       many failures (a wake does not cut it short); an {@link Error} other than a stack overflow
 *       ends the thread (a crash, as a killed host would), {@link FailurePolicy.Stopped} ends it
 *       quietly.</li>
 * </ul>
 *
 * <p>The shape follows Eventuous' subscription base: the transport hooks do the reading and the
 * position, the base does the looping, pacing and failure policy.
 */
public final class PollingWorker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PollingWorker.class);

    /** The transport's hook: one poll (fetch, handle, store the position); how many items it moved past. */
    @FunctionalInterface
    public interface Poll {
        int pollOnce() throws Exception;
    }

    /** How long an idle worker waits: {@code first} after one empty poll, doubling up to {@code max}. */
    public record Idle(Duration first, Duration max) {
        public Idle {
            Objects.requireNonNull(first, "first");
            Objects.requireNonNull(max, "max");
            if (first.isNegative() || max.compareTo(first) < 0) {
                throw new IllegalArgumentException("need 0 <= first <= max, got " + first + " and " + max);
            }
        }

        /** The same wait after every empty poll. */
        public static Idle fixed(Duration wait) {
            return new Idle(wait, wait);
        }

        /** The wait after {@code emptyPolls} empty polls in a row (at least 1). */
        public long millisAfter(int emptyPolls) {
            long first = this.first.toMillis();
            long max = this.max.toMillis();
            if (first == 0 || emptyPolls <= 1) {
                return first;
            }
            int shift = Math.min(emptyPolls - 1, 20);
            return Math.min(max, first << shift);
        }
    }

    private final String name;
    private final Poll poll;
    private final Idle idle;
    private final FailurePolicy policy;
    private final IntSupplier heldFailures;
    private final BooleanSupplier soon;
    private final Duration soonWait;
    private final boolean interruptOnClose;
    private final Object signal = new Object();
    private final Random random = new Random();
    private volatile boolean woken;
    private volatile boolean running;
    private volatile Thread thread;
    private volatile String lastError;
    private int emptyPolls;
    private volatile int failedPolls;

    private PollingWorker(Builder b) {
        this.name = b.name;
        this.poll = b.poll;
        this.idle = b.idle;
        this.policy = b.policy;
        this.heldFailures = b.heldFailures;
        this.soon = b.soon;
        this.soonWait = b.soonWait;
        this.interruptOnClose = b.interruptOnClose;
    }

    /** A worker named {@code name} (its thread's name) running {@code poll}. */
    public static Builder builder(String name, Poll poll) {
        return new Builder(name, poll);
    }

    /** Starts the thread (once; again after it stopped). */
    public synchronized PollingWorker start() {
        if (running) {
            return this;
        }
        running = true;
        Thread t = new Thread(this::loop, name);
        t.setDaemon(true);
        thread = t;
        t.start();
        return this;
    }

    private void loop() {
        while (running) {
            int n;
            try {
                n = poll.pollOnce();
                failedPolls = 0;
            } catch (FailurePolicy.Stopped | InterruptedException stopped) {
                running = false;
                return;
            } catch (StackOverflowError | Exception e) {
                if (!running) {
                    return;
                }
                lastError = e.toString();
                failedPolls++;
                LOG.warn("{}: {}", name, e.toString());
                n = 0;
            } catch (Error e) {
                lastError = e.toString();
                running = false; // a new worker can be started in its place
                LOG.error("{} stopped: {}", name, e.toString());
                throw e;
            }
            if (n > 0) {
                emptyPolls = 0;
                continue;
            }
            if (!running) {
                return;
            }
            int failures = Math.max(failedPolls, heldFailures.getAsInt());
            if (failures > 0) {
                pause(Math.max(1, policy.retry().backoff(failures, random).toMillis()), true);
            } else {
                emptyPolls++;
                long wait = idle.millisAfter(emptyPolls);
                if (soon.getAsBoolean()) {
                    wait = Math.min(wait, soonWait.toMillis());
                }
                pause(wait, false);
            }
        }
    }

    /** Waits {@code ms}, or less when woken (unless {@code backoff}: a retry waits its whole backoff), or closed. */
    private void pause(long ms, boolean backoff) {
        long deadline = System.nanoTime() + ms * 1_000_000;
        synchronized (signal) {
            try {
                while (running && (backoff || !woken)) {
                    long left = (deadline - System.nanoTime()) / 1_000_000;
                    if (left <= 0) {
                        break;
                    }
                    signal.wait(left);
                }
            } catch (InterruptedException e) {
                running = false;
            }
            if (woken) {
                emptyPolls = 0;
            }
            woken = false;
        }
    }

    /**
     * Called from a long poll (a listen session) once it works: a failure after this starts the
     * failure backoff from the beginning again.
     */
    public void progressed() {
        failedPolls = 0;
    }

    /** Something new may be there: poll now instead of after the idle wait. */
    public void wake() {
        synchronized (signal) {
            woken = true;
            signal.notifyAll();
        }
    }

    /**
     * Stops after the poll in progress and waits up to {@code 10 s} for the thread; a poll blocked in
     * a sleep is interrupted when the worker was built with {@link Builder#interruptOnClose}.
     */
    @Override
    public void close() {
        synchronized (this) {
            running = false;
        }
        synchronized (signal) {
            signal.notifyAll();
        }
        Thread t = thread;
        if (t != null && t != Thread.currentThread()) {
            if (interruptOnClose) {
                t.interrupt();
            }
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Whether the worker is meant to run (true from start until close or a fatal error). */
    public boolean isRunning() {
        return running;
    }

    /** Whether its thread is alive (false before start, after close, or after it died). */
    public boolean isAlive() {
        Thread t = thread;
        return t != null && t.isAlive();
    }

    /** Whether the calling thread is the worker's own. */
    public boolean isWorkerThread() {
        return Thread.currentThread() == thread;
    }

    /** The last failure of a poll, or null. */
    public String lastError() {
        return lastError;
    }

    public String name() {
        return name;
    }

    public static final class Builder {
        private final String name;
        private final Poll poll;
        private Idle idle = Idle.fixed(Duration.ofMillis(500));
        private FailurePolicy policy = FailurePolicy.DEFAULT;
        private IntSupplier heldFailures = () -> 0;
        private BooleanSupplier soon = () -> false;
        private Duration soonWait = Duration.ZERO;
        private boolean interruptOnClose;

        private Builder(String name, Poll poll) {
            this.name = Objects.requireNonNull(name, "name");
            this.poll = Objects.requireNonNull(poll, "poll");
        }

        /** The idle wait and its backoff (default a fixed 500 ms). */
        public Builder idle(Idle idle) {
            this.idle = Objects.requireNonNull(idle, "idle");
            return this;
        }

        /** The backoff after failed polls and while an item is held failing (default {@link FailurePolicy#DEFAULT}). */
        public Builder failurePolicy(FailurePolicy policy) {
            this.policy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /** How many times the item the consumer is stuck on has failed (0: none); paces its retries. */
        public Builder heldFailures(IntSupplier failures) {
            this.heldFailures = Objects.requireNonNull(failures, "failures");
            return this;
        }

        /** While {@code when} holds, an idle wait is at most {@code wait} (e.g. data held back by a transaction). */
        public Builder pollSoonerWhen(BooleanSupplier when, Duration wait) {
            this.soon = Objects.requireNonNull(when, "when");
            this.soonWait = Objects.requireNonNull(wait, "wait");
            return this;
        }

        /** Interrupt the thread on close (for polls that sleep, e.g. between a batch's retries). */
        public Builder interruptOnClose(boolean on) {
            this.interruptOnClose = on;
            return this;
        }

        public PollingWorker build() {
            return new PollingWorker(this);
        }
    }
}
