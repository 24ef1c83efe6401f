package dev.tally.postgres;

import dev.tally.core.RecordedEvent;
import dev.tally.core.RetryPolicy;
import dev.tally.core.spi.BatchHandler;
import dev.tally.core.spi.CatchUpSubscription;
import dev.tally.core.spi.CheckpointStore;
import dev.tally.core.spi.LoggedEvent;
import dev.tally.core.runtime.FailurePolicy;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
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

    private PostgresChangeFeed(Builder b) {
        this.name = b.name;
        this.ledger = b.ledger;
        CatchUpSubscription.Builder sub = CatchUpSubscription.builder(b.name, this::read, b.checkpoints, b.handler)
                .batchSize(b.batchSize).idleWait(b.idleWait).failurePolicy(b.failurePolicy);
        if (b.onGiveUp != null) {
            sub.onGiveUp(b.onGiveUp);
        }
        this.subscription = sub.build();
        this.ownsListener = b.listen && b.sharedListener == null;
        this.listener = !b.listen ? null
                : b.sharedListener != null ? b.sharedListener
                : new LedgerListener(b.ledger, "feed-" + b.name, b.waitingRepoll);
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
        LogRead read = ledger.readLog(position, limit);
        waiting = read.waiting() && read.events().size() < limit;
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

    public static final class Builder {
        private final String name;
        private final PostgresLedger ledger;
        private final CheckpointStore checkpoints;
        private final BatchHandler handler;
        private int batchSize = 100;
        private Duration idleWait = Duration.ofSeconds(10);
        private Duration waitingRepoll = Duration.ofMillis(50);
        private FailurePolicy failurePolicy = FailurePolicy.of(new RetryPolicy(10, Duration.ofMillis(50),
                Duration.ofSeconds(5)));
        private Consumer<RecordedEvent> onGiveUp;
        private boolean listen = true;
        private LedgerListener sharedListener;

        private Builder(String name, PostgresLedger ledger, CheckpointStore checkpoints, BatchHandler handler) {
            this.name = Objects.requireNonNull(name, "name");
            this.ledger = Objects.requireNonNull(ledger, "ledger");
            this.checkpoints = Objects.requireNonNull(checkpoints, "checkpoints");
            this.handler = Objects.requireNonNull(handler, "handler");
        }

        public Builder batchSize(int size) {
            if (size < 1) {
                throw new IllegalArgumentException("batch size must be >= 1, got " + size);
            }
            this.batchSize = size;
            return this;
        }

        /** How long an idle feed waits for a notification before polling anyway (default 10 s). */
        public Builder idleWait(Duration wait) {
            this.idleWait = Objects.requireNonNull(wait, "wait");
            return this;
        }

        /** How soon to poll again while events are held back behind a running transaction (default 50 ms). */
        public Builder waitingRepoll(Duration wait) {
            this.waitingRepoll = Objects.requireNonNull(wait, "wait");
            return this;
        }

        /** Attempts and backoff on one failing event (default 10 attempts, 50 ms doubling up to 5 s). */
        public Builder failurePolicy(FailurePolicy policy) {
            this.failurePolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /** After the failure policy's attempts on one event, hand it to {@code sink} and move on. */
        public Builder onGiveUp(Consumer<RecordedEvent> sink) {
            this.onGiveUp = sink;
            return this;
        }

        /** Whether to LISTEN for appends (default true); without it the feed polls every idle wait. */
        public Builder listen(boolean listen) {
            this.listen = listen;
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
