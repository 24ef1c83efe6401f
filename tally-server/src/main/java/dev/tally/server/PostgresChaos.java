package dev.tally.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.internal.Chaos;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.message.MessageHandler;
import dev.tally.core.projection.Projection;
import dev.tally.core.projection.Versioned;
import dev.tally.core.runtime.Target;
import dev.tally.postgres.JdbcProjectionWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code --chaos} on the PostgreSQL engine. Its consumers read the ledger in order, with no bus to
 * misbehave, so chaos acts where the messages are applied: each view write and each saga delivery is
 * delayed by up to {@code maxDelay} and repeated with probability {@code duplicateRate}; with
 * {@code reorder}, a view write is followed, half the time, by the key's previous (older) state, as a
 * message that arrives late would be. Every extra write must come out STALE and change nothing: the
 * views stay what the ledger says, which is what chaos is there to show. Off, it costs one read.
 */
final class PostgresChaos {
    /** Keys whose previous state is kept for a late write. */
    private static final int REMEMBERED = 10_000;

    private volatile Chaos chaos;
    private final AtomicLong duplicated = new AtomicLong();
    private final AtomicLong late = new AtomicLong();
    private final Map<String, Versioned<Object>> previous = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Versioned<Object>> eldest) {
            return size() > REMEMBERED;
        }
    };

    PostgresChaos(Chaos chaos) {
        this.chaos = chaos;
    }

    void set(Chaos chaos) {
        this.chaos = chaos;
    }

    /** What chaos did so far: deliveries and writes repeated, older states written after newer ones. */
    ObjectNode effects() {
        return JsonCodec.object().put("duplicated", duplicated.get()).put("lateWrites", late.get());
    }

    /** The target, its deliveries delayed and duplicated while chaos is on. */
    Target around(Target target) {
        MessageHandler handler = target.handler();
        return new Target(target.name(), target.filter(), message -> {
            Chaos c = chaos;
            if (!c.isOn()) {
                handler.handle(message);
                return;
            }
            delay(c);
            handler.handle(message);
            if (roll(c.duplicateRate())) {
                duplicated.incrementAndGet();
                handler.handle(message);
            }
        }, target.failurePolicy());
    }

    /** The writer, its writes delayed, duplicated and followed by late older states while chaos is on. */
    <V> JdbcProjectionWriter<V> around(JdbcProjectionWriter<V> writer) {
        return new Writer<>(writer);
    }

    private static void delay(Chaos c) {
        long max = c.maxDelay().toMillis();
        if (max > 0) {
            try {
                Thread.sleep(ThreadLocalRandom.current().nextLong(max + 1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static boolean roll(double rate) {
        return rate > 0 && ThreadLocalRandom.current().nextDouble() < rate;
    }

    /** Remembers this write's state and returns the key's state before it, when older. */
    @SuppressWarnings("unchecked")
    private <V> Versioned<V> swapPrevious(String writer, String key, long version, V view) {
        synchronized (previous) {
            Versioned<Object> before = previous.put(writer + "\u0000" + key, new Versioned<>(key, version, view));
            return before != null && before.version() < version ? (Versioned<V>) before : null;
        }
    }

    private final class Writer<V> implements JdbcProjectionWriter<V> {
        private final JdbcProjectionWriter<V> inner;

        Writer(JdbcProjectionWriter<V> inner) {
            this.inner = inner;
        }

        @Override
        public WriteOutcome write(Connection connection, String key, long version, V view) throws SQLException {
            Chaos c = chaos;
            if (!c.isOn()) {
                return inner.write(connection, key, version, view);
            }
            delay(c);
            WriteOutcome outcome = inner.write(connection, key, version, view);
            if (roll(c.duplicateRate())) {
                duplicated.incrementAndGet();
                inner.write(connection, key, version, view);
            }
            Versioned<V> late = c.reorder() ? swapPrevious(inner.name(), key, version, view) : null;
            if (late != null && roll(0.5)) {
                PostgresChaos.this.late.incrementAndGet();
                inner.write(connection, key, late.version(), late.view());
            }
            return outcome;
        }

        @Override
        public void writeAll(Connection connection, List<Projection.Row<V>> rows) throws SQLException {
            if (!chaos.isOn()) {
                inner.writeAll(connection, rows); // the writer's own batch (one round trip)
                return;
            }
            for (Projection.Row<V> row : rows) {
                write(connection, row.key(), row.version(), row.view());
            }
        }

        @Override
        public WriteOutcome write(String key, long version, V view) {
            return inner.write(key, version, view);
        }

        @Override
        public Optional<Versioned<V>> read(String key) {
            return inner.read(key);
        }

        @Override
        public boolean delete(String key) {
            return inner.delete(key);
        }

        @Override
        public Page<Versioned<V>> list(PageRequest request) {
            return inner.list(request);
        }

        @Override
        public String name() {
            return inner.name();
        }
    }
}
