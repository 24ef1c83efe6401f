package dev.tally.core.spi;

import dev.tally.core.RecordedEvent;
import dev.tally.core.runtime.FailurePolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a {@link GlobalLog} from a persisted checkpoint and hands batches to a handler: the
 * change feed of ledgers that have a global order. The checkpoint moves only past events the
 * handler reported done, so delivery is at least once; a restart resumes at the checkpoint.
 *
 * <p>{@link #wake()} cuts the idle wait short (PostgreSQL's LISTEN/NOTIFY, the in-memory
 * ledger's append hook), so an idle subscription polls rarely yet reacts at once.
 */
public final class CatchUpSubscription implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CatchUpSubscription.class);

    private final String name;
    private final GlobalLog log;
    private final CheckpointStore checkpoints;
    private final BatchHandler handler;
    private final int batchSize;
    private final Duration idleWait;
    private final FailurePolicy policy;
    private final Consumer<RecordedEvent> onGiveUp;
    private final AtomicLong handled = new AtomicLong();
    private final Random random = new Random();
    private final PollingWorker worker;
    private volatile Checkpoint checkpoint;
    /** The checkpoint's position as a global-log position (read on every poll). */
    private volatile long position;
    /** Failed attempts of the handler on the event at the checkpoint (decides when to give up). */
    private volatile int failedAttempts;

    private CatchUpSubscription(Builder b) {
        this.name = b.name;
        this.log = b.log;
        this.checkpoints = b.checkpoints;
        this.handler = b.handler;
        this.batchSize = b.options().batchSize();
        this.idleWait = b.options().idleWait();
        this.policy = b.options().failurePolicy();
        this.onGiveUp = b.options().onGiveUp();
        this.checkpoint = checkpoints.load(name);
        this.position = checkpoint.position().asLong();
        this.worker = PollingWorker.builder("tally-catchup-" + name, this::pollOnce)
                .idle(PollingWorker.Idle.fixed(idleWait)).failurePolicy(policy).heldFailures(() -> failedAttempts)
                .build();
    }

    public static Builder builder(String name, GlobalLog log, CheckpointStore checkpoints, BatchHandler handler) {
        return new Builder(name, log, checkpoints, handler);
    }

    /**
     * Reads one batch after the checkpoint, handles it and moves the checkpoint past what was done.
     *
     * @return how many events were handled (0 when there was nothing new or the handler failed)
     */
    public synchronized int pollOnce() {
        List<LoggedEvent> batch = log.readAfter(position, batchSize);
        if (batch.isEmpty()) {
            return 0;
        }
        List<RecordedEvent> events = new ArrayList<>(batch.size());
        batch.forEach(l -> events.add(l.event()));
        int done;
        Throwable error = null;
        try {
            done = Math.max(0, Math.min(handler.handle(events), events.size()));
        } catch (OutOfMemoryError fatal) {
            throw fatal;
        } catch (Throwable e) {
            // an Error from a handler (a reducer's StackOverflowError) is a failed attempt too
            done = 0;
            error = e;
        }
        if (done > 0) {
            advance(batch.get(done - 1).position(), done);
            failedAttempts = 0;
        }
        if (done < events.size()) {
            RecordedEvent stuck = events.get(done);
            failedAttempts++;
            LOG.warn("subscription {}: {} failed (attempt {}): {}", name, stuck.coordinates(), failedAttempts,
                    error == null ? "handler stopped there" : error.toString());
            if (onGiveUp != null && policy.afterFailure(failedAttempts, random) instanceof FailurePolicy.GiveUp) {
                onGiveUp.accept(stuck);
                advance(batch.get(done).position(), 1);
                failedAttempts = 0;
                return done + 1;
            }
        }
        return done;
    }

    private void advance(long to, int count) {
        Checkpoint moved = checkpoint.movedTo(to);
        checkpoints.save(moved);
        checkpoint = moved;
        position = to;
        handled.addAndGet(count);
    }

    /** Polls on a background thread until closed. */
    public CatchUpSubscription start() {
        worker.start();
        return this;
    }

    /** Something was appended: poll now instead of after the idle wait. */
    public void wake() {
        worker.wake();
    }

    /** The global-log position of the checkpoint: every event at or below it was handled. */
    public long position() {
        return position;
    }

    public Checkpoint checkpoint() {
        return checkpoint;
    }

    public long handledCount() {
        return handled.get();
    }

    public String name() {
        return name;
    }

    @Override
    public void close() {
        worker.close();
    }

    /** Defaults: {@link CatchUpOptions#DEFAULT} (100 events, 500 ms idle wait, 10 attempts, no give-up sink). */
    public static final class Builder extends CatchUpBuilder<Builder> {
        private final String name;
        private final GlobalLog log;
        private final CheckpointStore checkpoints;
        private final BatchHandler handler;

        private Builder(String name, GlobalLog log, CheckpointStore checkpoints, BatchHandler handler) {
            super(CatchUpOptions.DEFAULT);
            this.name = Objects.requireNonNull(name, "name");
            this.log = Objects.requireNonNull(log, "log");
            this.checkpoints = Objects.requireNonNull(checkpoints, "checkpoints");
            this.handler = Objects.requireNonNull(handler, "handler");
        }

        @Override
        public Builder onGiveUp(Consumer<RecordedEvent> sink) {
            return super.onGiveUp(sink);
        }

        public CatchUpSubscription build() {
            return new CatchUpSubscription(this);
        }
    }
}
