package dev.tally.postgres;

import dev.tally.core.RetryPolicy;
import dev.tally.core.runtime.FailurePolicy;
import dev.tally.core.spi.PollingWorker;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection that LISTENs on a ledger's channel and wakes the consumers of the ledger's global
 * order (change feeds, projection runners) when an append commits. A pipeline shares one among all
 * its consumers, so it holds one connection of the pool for LISTEN, not one per consumer.
 *
 * <p>A consumer whose last read found committed events held back behind an older running
 * transaction ({@link Consumer#isWaiting()}) is woken again every {@code waitingRepoll}, in case that
 * transaction was not an append and will not notify. If the connection drops, the listener
 * reconnects with backoff and wakes everyone (a notification sent meanwhile is lost, the events are
 * not: the consumers' checkpoints say what is new).
 */
final class LedgerListener implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LedgerListener.class);
    private static final long TICK_MS = 200;

    /** What the listener wakes. */
    interface Consumer {
        /** Something may have been appended: poll now instead of after the idle wait. */
        void wake();

        /** Whether the last read found committed events held back behind an older running transaction. */
        boolean isWaiting();
    }

    private final PostgresLedger ledger;
    private final String name;
    private final Duration waitingRepoll;
    private final List<Consumer> consumers = new CopyOnWriteArrayList<>();
    private final PollingWorker worker;
    private volatile boolean listening;

    LedgerListener(PostgresLedger ledger, String name, Duration waitingRepoll) {
        this.ledger = Objects.requireNonNull(ledger, "ledger");
        this.name = Objects.requireNonNull(name, "name");
        this.waitingRepoll = Objects.requireNonNull(waitingRepoll, "waitingRepoll");
        // one "poll" is one LISTEN session, which lasts until the connection fails or the listener stops;
        // after a failure the worker reconnects with the policy's backoff (the consumers poll meanwhile)
        this.worker = PollingWorker.builder("tally-pg-listen-" + name, this::listenSession)
                .failurePolicy(RECONNECT).build();
    }

    /** Reconnecting after a dropped LISTEN connection: 100 ms doubling up to 5 s, jittered, for ever. */
    static final FailurePolicy RECONNECT = FailurePolicy.of(new RetryPolicy(Integer.MAX_VALUE, Duration.ofMillis(100),
            Duration.ofSeconds(5)));

    void register(Consumer consumer) {
        consumers.add(Objects.requireNonNull(consumer, "consumer"));
    }

    void unregister(Consumer consumer) {
        consumers.remove(consumer);
    }

    LedgerListener start() {
        worker.start();
        return this;
    }

    boolean isListening() {
        return listening;
    }

    private int listenSession() {
        try (Connection c = ledger.dataSource().getConnection()) {
            c.setAutoCommit(true);
            try (Statement st = c.createStatement()) {
                st.execute("LISTEN \"" + ledger.tables().channel() + "\"");
            }
            PGConnection pg = c.unwrap(PGConnection.class);
            listening = true;
            worker.progressed();
            wakeAll(); // whatever was appended while nobody listened
            try {
                relay(pg);
            } finally {
                unlisten(c);
            }
        } catch (SQLException | RuntimeException e) {
            if (!worker.isRunning()) {
                return 0;
            }
            throw new IllegalStateException("listening on " + ledger.tables().channel() + " failed (" + e
                    + "); reconnecting, the consumers poll meanwhile", e);
        } finally {
            listening = false;
        }
        return 0;
    }

    /** Wakes the consumers on each notification, and the waiting ones every {@code waitingRepoll}. */
    private void relay(PGConnection pg) throws SQLException {
        long lastRepoll = System.nanoTime();
        while (worker.isRunning()) {
            boolean anyWaiting = anyWaiting();
            long tick = anyWaiting ? Math.max(1, Math.min(TICK_MS, waitingRepoll.toMillis())) : TICK_MS;
            PGNotification[] notifications = pg.getNotifications((int) tick);
            if (notifications != null && notifications.length > 0) {
                wakeAll();
                lastRepoll = System.nanoTime();
            } else if (anyWaiting && System.nanoTime() - lastRepoll >= waitingRepoll.toNanos()) {
                for (Consumer consumer : consumers) {
                    if (consumer.isWaiting()) {
                        consumer.wake();
                    }
                }
                lastRepoll = System.nanoTime();
            }
        }
    }

    private boolean anyWaiting() {
        for (Consumer consumer : consumers) {
            if (consumer.isWaiting()) {
                return true;
            }
        }
        return false;
    }

    private void wakeAll() {
        consumers.forEach(Consumer::wake);
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

    @Override
    public void close() {
        worker.close();
    }
}
