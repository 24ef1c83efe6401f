package dev.tally.postgres;

import dev.tally.core.RecordedEvent;
import dev.tally.core.spi.CatchUpBuilder;
import dev.tally.core.spi.CatchUpOptions;
import dev.tally.core.spi.BatchHandler;
import dev.tally.core.spi.CatchUpSubscription;
import dev.tally.core.spi.CheckpointStore;
import dev.tally.core.spi.LoggedEvent;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The change feed of a {@link PostgresLedger}: a {@link CatchUpSubscription} over the ledger's
 * global order, from a persisted checkpoint, woken by LISTEN/NOTIFY.
 *
 * <pre>{@code
 * PostgresChangeFeed feed = PostgresChangeFeed.builder("dispatcher", ledger,
 *         new PostgresCheckpointStore(dataSource), BatchHandler.of(dispatcher))
 *     .start();
 * ...
 * feed.close();
 * }</pre>
 *
 * <p>One dedicated connection (borrowed from the ledger's DataSource for as long as the feed runs)
 * LISTENs on the ledger's channel; every append {@code pg_notify}s it in the same transaction, so
 * the subscription polls as soon as an append commits and otherwise only every
 * {@link Builder#idleWait idle wait} (default 10 s). When committed events are held back behind
 * an older transaction that is still running ({@link LogRead#waiting()}), it polls again after a
 * short pause instead, in case that transaction was not an append and will not notify. If the
 * listening connection drops, it reconnects with backoff and polls at once (a notification sent
 * meanwhile is lost, the events are not).
 *
 * <p>Delivery is at least once: the checkpoint moves only past events the handler reported done,
 * and a restarted feed of the same name resumes there.
 */
public final class PostgresChangeFeed implements AutoCloseable {
    private final String name;
    private final PostgresLedger ledger;
    private final CatchUpSubscription subscription;
    /** Listens for appends; null when listening is off. */
    private final LedgerListener listener;
    /** Whether this feed started {@link #listener} and so stops it (false when a pipeline shares it). */
    private final boolean ownsListener;
    private final LedgerListener.Consumer consumer;
    private volatile boolean waiting;
    private volatile boolean running;
    /** The least time between two reads that each reached the head (0: none), and when the last one did. */
    private final long paceNanos;
    private long lastCaughtUp;

    private PostgresChangeFeed(Builder b) {
        this.name = b.name;
        this.ledger = b.ledger;
        this.paceNanos = b.pace.toNanos();
        CatchUpOptions o = b.options();
        CatchUpSubscription.Builder sub = CatchUpSubscription.builder(b.name, this::read, b.checkpoints, b.handler)
                .batchSize(o.batchSize()).idleWait(o.idleWait()).failurePolicy(o.failurePolicy());
        if (o.onGiveUp() != null) {
            sub.onGiveUp(o.onGiveUp());
        }
        this.subscription = sub.build();
        this.ownsListener = b.listen && b.sharedListener == null;
        this.listener = !b.listen ? null
                : b.sharedListener != null ? b.sharedListener
                : new LedgerListener(b.ledger, "feed-" + b.name, o.waitingRepoll());
        this.consumer = new LedgerListener.Consumer() {
            @Override
            public void wake() {
                subscription.wake();
            }

            @Override
            public boolean isWaiting() {
                return waiting;
            }
        };
    }

    public static Builder builder(String name, PostgresLedger ledger, CheckpointStore checkpoints,
                                  BatchHandler handler) {
        return new Builder(name, ledger, checkpoints, handler);
    }

    private List<LoggedEvent> read(long position, int limit) {
        if (lastCaughtUp != 0) { // the last read reached the head: read at most once per pace
            long wait = lastCaughtUp + paceNanos - System.nanoTime();
            if (wait > 0) {
                try {
                    TimeUnit.NANOSECONDS.sleep(wait);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        LogRead read = ledger.readLog(position, limit);
        waiting = read.waiting() && read.events().size() < limit;
        lastCaughtUp = paceNanos > 0 && read.events().size() < limit ? System.nanoTime() : 0;
        return read.events();
    }

    /** Starts the subscription's thread and, unless disabled, the listening thread. */
    public synchronized PostgresChangeFeed start() {
        if (running) {
            return this;
        }
        running = true;
        subscription.start();
        if (listener != null) {
            listener.register(consumer);
            if (ownsListener) {
                listener.start();
            }
            subscription.wake(); // a shared listener may have been up for a while
        }
        return this;
    }

    /** Reads and handles one batch now, on the caller's thread; returns how many events were handled. */
    public int pollOnce() {
        return subscription.pollOnce();
    }

    /** Whether the listening connection is up (false before start, while reconnecting, or when disabled). */
    public boolean isListening() {
        return listener != null && listener.isListening();
    }

    /** Whether the last read found committed events held back behind a running older transaction. */
    public boolean isWaitingForOlderTransactions() {
        return waiting;
    }

    /** The checkpoint: every event at or below it was handled. */
    public long position() {
        return subscription.position();
    }

    public long handledCount() {
        return subscription.handledCount();
    }

    public String name() {
        return name;
    }

    @Override
    public void close() {
        synchronized (this) {
            running = false;
        }
        if (listener != null) {
            listener.unregister(consumer);
            if (ownsListener) {
                listener.close();
            }
        }
        subscription.close();
    }

    /** Defaults: 100 events, 10 s idle wait, 50 ms waiting repoll, 10 attempts, no give-up sink. */
    public static final class Builder extends CatchUpBuilder<Builder> {
        private final String name;
        private final PostgresLedger ledger;
        private final CheckpointStore checkpoints;
        private final BatchHandler handler;
        private boolean listen = true;
        private LedgerListener sharedListener;
        private Duration pace = Duration.ZERO;

        private Builder(String name, PostgresLedger ledger, CheckpointStore checkpoints, BatchHandler handler) {
            super(CatchUpOptions.DEFAULT.withIdleWait(Duration.ofSeconds(10)));
            this.name = Objects.requireNonNull(name, "name");
            this.ledger = Objects.requireNonNull(ledger, "ledger");
            this.checkpoints = Objects.requireNonNull(checkpoints, "checkpoints");
            this.handler = Objects.requireNonNull(handler, "handler");
        }

        @Override
        public Builder waitingRepoll(Duration wait) {
            return super.waitingRepoll(wait);
        }

        @Override
        public Builder onGiveUp(Consumer<RecordedEvent> sink) {
            return super.onGiveUp(sink);
        }

        /** Whether to LISTEN for appends (default true); without it the feed polls every idle wait. */
        public Builder listen(boolean listen) {
            this.listen = listen;
            return this;
        }

        /**
         * After a read that reached the head of the ledger, the next read waits until {@code pace} after
         * it (default 0): under a steady stream of appends the feed then reads a batch per pace
         * instead of one read per append or two, at the cost of up to {@code pace} more latency.
         * A backlog is read without pause.
         */
        public Builder pace(Duration pace) {
            if (pace.isNegative()) {
                throw new IllegalArgumentException("pace must be >= 0, got " + pace);
            }
            this.pace = pace;
            return this;
        }

        /** Listens through a listener shared with other consumers of the ledger (a pipeline's), not one of its own. */
        Builder listener(LedgerListener shared) {
            this.sharedListener = Objects.requireNonNull(shared, "shared");
            return this;
        }

        public PostgresChangeFeed build() {
            return new PostgresChangeFeed(this);
        }

        /** {@code build().start()}. */
        public PostgresChangeFeed start() {
            return build().start();
        }
    }
}
