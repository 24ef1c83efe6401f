package dev.tally.postgres;

import dev.tally.core.RecordedEvent;
import dev.tally.core.RetryPolicy;
import dev.tally.core.feed.BatchHandler;
import dev.tally.core.feed.CatchUpSubscription;
import dev.tally.core.feed.CheckpointStore;
import dev.tally.core.feed.LoggedEvent;
import dev.tally.core.runtime.FailurePolicy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
    private static final Logger LOG = LoggerFactory.getLogger(PostgresChangeFeed.class);
    private static final long LISTEN_TICK_MS = 200;

    private final String name;
    private final PostgresLedger ledger;
    private final CatchUpSubscription subscription;
    private final boolean listen;
    private final Duration waitingRepoll;
    private volatile boolean waiting;
    private volatile boolean running;
    private volatile boolean listening;
    private Thread listener;

    private PostgresChangeFeed(Builder b) {
        this.name = b.name;
        this.ledger = b.ledger;
        this.listen = b.listen;
        this.waitingRepoll = b.waitingRepoll;
        CatchUpSubscription.Builder sub = CatchUpSubscription.builder(b.name, this::read, b.checkpoints, b.handler)
                .batchSize(b.batchSize).idleWait(b.idleWait).failurePolicy(b.failurePolicy);
        if (b.onGiveUp != null) {
            sub.onGiveUp(b.onGiveUp);
        }
        this.subscription = sub.build();
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
        if (listen) {
            Thread t = new Thread(this::listenLoop, "tally-pg-listen-" + name);
            t.setDaemon(true);
            listener = t;
            t.start();
        }
        return this;
    }

    private void listenLoop() {
        long backoffMs = 100;
        while (running) {
            try (Connection c = ledger.dataSource().getConnection()) {
                c.setAutoCommit(true);
                try (Statement st = c.createStatement()) {
                    st.execute("LISTEN \"" + ledger.tables().channel() + "\"");
                }
                PGConnection pg = c.unwrap(PGConnection.class);
                listening = true;
                backoffMs = 100;
                subscription.wake(); // whatever was appended while nobody listened
                try {
                    long lastWake = System.nanoTime();
                    while (running) {
                        PGNotification[] notifications = pg.getNotifications((int) LISTEN_TICK_MS);
                        if (notifications != null && notifications.length > 0) {
                            subscription.wake();
                            lastWake = System.nanoTime();
                        } else if (waiting && System.nanoTime() - lastWake >= waitingRepoll.toNanos()) {
                            subscription.wake();
                            lastWake = System.nanoTime();
                        }
                    }
                } finally {
                    unlisten(c);
                }
            } catch (SQLException | RuntimeException e) {
                listening = false;
                if (!running) {
                    return;
                }
                LOG.warn("change feed {}: listening on {} failed ({}); retrying in {} ms, polling meanwhile", name,
                        ledger.tables().channel(), e.toString(), backoffMs);
                sleep(backoffMs);
                backoffMs = Math.min(backoffMs * 2, 5_000);
            } finally {
                listening = false;
            }
        }
    }

    /**
     * The connection goes back to the pool: without UNLISTEN, the driver would keep collecting
     * notifications on it for whoever borrows it next, and never hand them out.
     */
    private static void unlisten(Connection c) {
        try (Statement st = c.createStatement()) {
            st.execute("UNLISTEN *");
        } catch (SQLException | RuntimeException ignored) {
            // a broken connection: the pool discards it
        }
    }

    /** Reads and handles one batch now, on the caller's thread; returns how many events were handled. */
    public int pollOnce() {
        return subscription.pollOnce();
    }

    /** Whether the listening connection is up (false before start, while reconnecting, or when disabled). */
    public boolean isListening() {
        return listening;
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
        subscription.close();
        Thread t = listener;
        if (t != null) {
            try {
                t.join(LISTEN_TICK_MS * 10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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

        public PostgresChangeFeed build() {
            return new PostgresChangeFeed(this);
        }

        /** {@code build().start()}. */
        public PostgresChangeFeed start() {
            return build().start();
        }
    }
}
