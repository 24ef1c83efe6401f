package dev.tally.server;

import dev.tally.core.archive.ArchiveReadingLedger;
import dev.tally.core.internal.Chaos;
import dev.tally.core.internal.Settling;
import dev.tally.core.runtime.Pipeline;
import dev.tally.core.spi.TimerStore;
import dev.tally.http.IdempotencyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The wiring the three engines share, written once: the pipeline and its settling, the timer and
 * Idempotency-Key stores, the archive-reading ledger, the chaos switch, and the stop (the pipeline
 * first, then what the engine started for it, in reverse order). Each engine supplies its pipeline,
 * stores and resources ({@link Parts}) and what differs: where views go, how one target is sent
 * messages, its counters and how chaos reaches its deliveries.
 *
 * @param <P> the engine's pipeline
 */
abstract class PipelineEngine<P extends Pipeline & Settling> implements ServeEngine {

    /**
     * What an engine is made of: its pipeline, its timer store (made on first use), its
     * Idempotency-Key answers, the archive-reading ledger its stores use (or none), and what it
     * started for the pipeline (closed after it, last first).
     */
    record Parts<P>(P pipeline, Supplier<TimerStore> timers, IdempotencyStore idempotency,
                    Optional<ArchiveReadingLedger> archive, List<AutoCloseable> resources) {
        Parts {
            Objects.requireNonNull(pipeline, "pipeline");
            Objects.requireNonNull(timers, "timers");
            Objects.requireNonNull(idempotency, "idempotency");
            Objects.requireNonNull(archive, "archive");
            resources = List.copyOf(resources);
        }
    }

    protected final P pipeline;
    private final Supplier<TimerStore> timerSupplier;
    private final IdempotencyStore idempotency;
    private final Optional<ArchiveReadingLedger> archive;
    private final List<AutoCloseable> resources;
    private TimerStore timers;
    private volatile Chaos chaos;

    protected PipelineEngine(Parts<P> parts, Chaos chaos) {
        this.pipeline = parts.pipeline();
        this.timerSupplier = parts.timers();
        this.idempotency = parts.idempotency();
        this.archive = parts.archive();
        this.resources = parts.resources();
        this.chaos = Objects.requireNonNull(chaos, "chaos");
    }

    /**
     * Builds an engine from what {@code parts} starts; when that fails, closes what was started
     * before it ({@code started}, last first) and rethrows.
     */
    static <E> E startedOr(List<? extends AutoCloseable> started, Supplier<E> parts) {
        try {
            return parts.get();
        } catch (RuntimeException e) {
            closeAll(new ArrayList<>(started), e);
            throw e;
        }
    }

    @Override
    public Pipeline pipeline() {
        return pipeline;
    }

    @Override
    public synchronized TimerStore timers() {
        if (timers == null) {
            timers = timerSupplier.get();
        }
        return timers;
    }

    @Override
    public IdempotencyStore idempotency() {
        return idempotency;
    }

    @Override
    public Optional<ArchiveReadingLedger> archiveLedger() {
        return archive;
    }

    @Override
    public boolean awaitQuiet(Duration timeout) {
        return pipeline.awaitQuiet(timeout);
    }

    @Override
    public Chaos chaos() {
        return chaos;
    }

    @Override
    public void chaos(Chaos chaos) {
        applyChaos(Objects.requireNonNull(chaos, "chaos"));
        this.chaos = chaos;
    }

    /** Makes the engine's deliveries behave as {@code chaos} says from now on. */
    protected abstract void applyChaos(Chaos chaos);

    /** Stops the pipeline, then what the engine started for it, last first; the first failure is thrown. */
    @Override
    public void close() {
        List<AutoCloseable> all = new ArrayList<>();
        all.addAll(resources);
        all.add(pipeline);
        closeAll(all, null);
    }

    /** Closes {@code all} from last to first, each even when one before failed. */
    private static void closeAll(List<AutoCloseable> all, RuntimeException first) {
        RuntimeException failure = first;
        for (int i = all.size() - 1; i >= 0; i--) {
            try {
                all.get(i).close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e instanceof RuntimeException r ? r : new IllegalStateException(e.getMessage(), e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null && first == null) {
            throw failure;
        }
    }
}
