package dev.tally.local;

import dev.tally.core.spi.Checkpoint;
import dev.tally.core.spi.CheckpointStore;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stream checkpoints written at most once per interval per shard instead of after every batch: at
 * low rates the poller's batches hold one record each, and a checkpoint write per record was one
 * of the five writes a command cost DynamoDB Local. The newest position waits in memory and is
 * written by the next save after the interval, by a background flush once the interval passed, or
 * on {@link #close()}.
 *
 * <p>The stored checkpoint only ever lags what was processed, never leads it: a crash redelivers
 * at most one interval of records (at least once, as before), and loses nothing.
 */
final class CoalescedShardCheckpoints implements CheckpointStore, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CoalescedShardCheckpoints.class);

    private final CheckpointStore stored;
    private final long intervalNanos;
    private final Map<String, Checkpoint> pending = new ConcurrentHashMap<>();
    private final Map<String, Long> lastWrite = new ConcurrentHashMap<>();
    private final ScheduledExecutorService flusher;
    /**
     * One write at a time, so an older position is never written after a newer one. The poller only
     * tries it: while a write is under way (a slow or stuck store) its position waits for the next
     * flush instead of the poller's thread waiting, uninterruptibly, behind it.
     */
    private final ReentrantLock writing = new ReentrantLock();

    CoalescedShardCheckpoints(CheckpointStore stored, Duration interval) {
        this.stored = Objects.requireNonNull(stored, "stored");
        this.intervalNanos = interval.toNanos();
        this.flusher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tally-stream-checkpoints");
            t.setDaemon(true);
            return t;
        });
        long ms = Math.max(1, interval.toMillis());
        flusher.scheduleWithFixedDelay(this::flushDue, ms, ms, TimeUnit.MILLISECONDS);
    }

    @Override
    public Checkpoint load(String shardId) {
        Checkpoint waiting = pending.get(shardId);
        return waiting != null ? waiting : stored.load(shardId);
    }

    @Override
    public void save(Checkpoint checkpoint) {
        String shardId = checkpoint.id();
        pending.put(shardId, checkpoint);
        Long last = lastWrite.get(shardId);
        if ((last == null || System.nanoTime() - last >= intervalNanos) && writing.tryLock()) {
            try {
                write(shardId);
            } finally {
                writing.unlock();
            }
        }
    }

    /** Writes every position still waiting. */
    void flush() {
        writing.lock();
        try {
            pending.keySet().forEach(this::write);
        } finally {
            writing.unlock();
        }
    }

    private void flushDue() {
        try {
            writing.lockInterruptibly();
            try {
                long now = System.nanoTime();
                for (String shardId : pending.keySet()) {
                    Long last = lastWrite.get(shardId);
                    if (last == null || now - last >= intervalNanos) {
                        write(shardId);
                    }
                }
            } finally {
                writing.unlock();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // stopping: close() writes what waits
        } catch (RuntimeException e) {
            LOG.warn("saving stream checkpoints failed (tried again in the next interval): {}", e.toString());
        }
    }

    /** Under {@link #writing}. */
    private void write(String shardId) {
        Checkpoint position = pending.get(shardId);
        if (position == null) {
            return;
        }
        stored.save(position);
        lastWrite.put(shardId, System.nanoTime());
        pending.remove(shardId, position); // a newer save meanwhile stays pending
    }

    /** Writes what is waiting and stops the background flush. */
    @Override
    public void close() {
        flusher.shutdownNow();
        flush();
    }

    /** Stops the background flush and drops what is waiting, as a kill -9 would. */
    void abandon() {
        flusher.shutdownNow();
        pending.clear();
    }
}
