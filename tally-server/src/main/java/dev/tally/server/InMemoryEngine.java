package dev.tally.server;

import dev.tally.core.internal.Chaos;
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
import dev.tally.http.InMemoryIdempotencyStore;
import java.util.List;
import java.util.Optional;

/**
 * Everything in this JVM's memory ({@link InMemoryPipeline}): nothing is kept after a stop, by the
 * user's choice. For tests and quick tries of an app; the data directory is not used.
 */
public final class InMemoryEngine extends PipelineEngine<InMemoryPipeline> {
    /** The factory of a server whose whole pipeline is in memory. */
    public static final Factory FACTORY = InMemoryEngine::start;

    private InMemoryEngine(InMemoryPipeline pipeline, Chaos chaos) {
        super(new Parts<>(pipeline, InMemoryTimerStore::new, new InMemoryIdempotencyStore(), Optional.empty(),
                List.of()), chaos);
    }

    public static InMemoryEngine start(Start start) {
        start.progress().accept("starting the pipeline in memory (nothing is kept)...");
        InMemoryPipeline pipeline = InMemoryPipeline.create(start.chaos()).personalData(new PersonalData(
                SubjectKeys.builder(LocalMasterKey.generate(), new InMemoryWrappedKeyStore()).build()));
        return new InMemoryEngine(pipeline, start.chaos());
    }

    @Override
    public <V> ProjectionWriter<V> views(String app, Projection<?, V> projection) {
        return new InMemoryProjectionWriter<>(app + "-" + projection.name());
    }

    @Override
    public void sendTo(String target, List<StateCarryingMessage> messages) {
        pipeline.bus().sendTo(target, messages);
    }

    @Override
    public Status status() {
        return new Status(JsonCodec.object(), pipeline.bus().stats(), pipeline.deadLetters().count());
    }

    @Override
    protected void applyChaos(Chaos chaos) {
        pipeline.bus().chaos(chaos);
    }
}
