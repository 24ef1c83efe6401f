package dev.tally.server;

import dev.tally.core.archive.ArchiveReadingLedger;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.memory.InMemoryPipeline;
import dev.tally.core.memory.InMemoryProjectionWriter;
import dev.tally.core.memory.InMemoryTimerStore;
import dev.tally.core.message.StateCarryingMessage;
import dev.tally.core.privacy.InMemoryWrappedKeyStore;
import dev.tally.core.privacy.LocalMasterKey;
import dev.tally.core.privacy.PersonalData;
import dev.tally.core.privacy.SubjectKeys;
import dev.tally.core.projection.Projection;
import dev.tally.core.projection.ProjectionWriter;
import dev.tally.core.internal.Chaos;
import dev.tally.core.runtime.Pipeline;
import dev.tally.core.spi.TimerStore;
import dev.tally.http.InMemoryIdempotencyStore;
import dev.tally.http.IdempotencyStore;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Everything in this JVM's memory ({@link InMemoryPipeline}): nothing is kept after a stop, by the
 * user's choice. For tests and quick tries of an app; the data directory is not used.
 */
public final class InMemoryEngine implements ServeEngine {
    /** The factory of a server whose whole pipeline is in memory. */
    public static final Factory FACTORY = InMemoryEngine::start;

    private final InMemoryPipeline pipeline;
    private final InMemoryTimerStore timers = new InMemoryTimerStore();
    private final IdempotencyStore idempotency = new InMemoryIdempotencyStore();
    private volatile Chaos chaos;

    private InMemoryEngine(InMemoryPipeline pipeline, Chaos chaos) {
        this.pipeline = pipeline;
        this.chaos = chaos;
    }

    public static InMemoryEngine start(Start start) {
        start.progress().accept("starting the pipeline in memory (nothing is kept)...");
        InMemoryPipeline pipeline = InMemoryPipeline.create(start.chaos()).personalData(new PersonalData(
                SubjectKeys.builder(LocalMasterKey.generate(), new InMemoryWrappedKeyStore()).build()));
        return new InMemoryEngine(pipeline, start.chaos());
    }

    @Override
    public Pipeline pipeline() {
        return pipeline;
    }

    @Override
    public <V> ProjectionWriter<V> views(String app, Projection<?, V> projection) {
        return new InMemoryProjectionWriter<>(app + "-" + projection.name());
    }

    @Override
    public TimerStore timers() {
        return timers;
    }

    @Override
    public IdempotencyStore idempotency() {
        return idempotency;
    }

    @Override
    public Optional<ArchiveReadingLedger> archiveLedger() {
        return Optional.empty();
    }

    @Override
    public void sendTo(String target, List<StateCarryingMessage> messages) {
        pipeline.bus().sendTo(target, messages);
    }

    @Override
    public boolean awaitQuiet(Duration timeout) {
        return pipeline.awaitQuiet(timeout);
    }

    @Override
    public Status status() {
        return new Status(JsonCodec.object(), pipeline.bus().stats(), pipeline.deadLetters().count());
    }

    @Override
    public Chaos chaos() {
        return chaos;
    }

    @Override
    public void chaos(Chaos chaos) {
        this.chaos = chaos;
        pipeline.bus().chaos(chaos);
    }

    @Override
    public void close() {
        pipeline.close();
    }
}
