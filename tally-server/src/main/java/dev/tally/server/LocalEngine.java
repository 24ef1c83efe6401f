package dev.tally.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.message.StateCarryingMessage;
import dev.tally.core.projection.Projection;
import dev.tally.core.projection.ProjectionWriter;
import dev.tally.core.internal.Chaos;
import dev.tally.core.spi.TimerStore;
import dev.tally.dynamodb.DynamoDbProjectionWriter;
import dev.tally.dynamodb.DynamoDbTables;
import dev.tally.dynamodb.DynamoDbTimerStore;
import dev.tally.dynamodb.GroupedViewWrites;
import dev.tally.dynamodb.TableDefinitions;
import dev.tally.local.LocalDynamoDb;
import dev.tally.local.LocalPipeline;
import dev.tally.local.StreamPoller;
import java.util.List;

/**
 * The one-JVM serverless stack as a server's engine: DynamoDB Local (in memory or in the data
 * directory), its stream polled like a Lambda event source mapping, the local EventBridge; views in
 * DynamoDB tables named "{app}-{projection}", timers and Idempotency-Key answers in tables beside the
 * ledger. The only place of the server that knows {@link LocalPipeline} and {@link StreamPoller}.
 */
public final class LocalEngine extends PipelineEngine<LocalPipeline> {
    /** The factory {@code tally serve} uses by default. */
    public static final Factory FACTORY = LocalEngine::start;

    /** The views' writes: those of every view that arrive together share one transaction. */
    private final GroupedViewWrites viewWrites;

    private LocalEngine(LocalDynamoDb dynamoDb, LocalPipeline pipeline, Chaos chaos) {
        super(new Parts<>(pipeline, () -> timers(pipeline), new DynamoDbIdempotencyStore(pipeline.dynamoDbClient()),
                pipeline.archiveLedger(), List.of(dynamoDb)), chaos);
        this.viewWrites = GroupedViewWrites.grouped(pipeline.dynamoDbClient());
    }

    public static LocalEngine start(Start start) {
        start.progress().accept(start.dataDir() == null ? "starting DynamoDB Local in memory (nothing is kept)..."
                : "starting DynamoDB Local with data in " + start.dataDir().toAbsolutePath() + "...");
        LocalDynamoDb dynamoDb = start.dataDir() == null ? LocalDynamoDb.inMemory()
                : LocalDynamoDb.persistent(start.dataDir(), 0);
        return startedOr(List.of(dynamoDb), () -> {
            start.progress().accept("creating tables, the local EventBridge and the stream poller...");
            LocalPipeline pipeline = LocalPipeline.builder(dynamoDb).chaos(start.chaos()).archive(start.archive())
                    .aggregateCache(PostgresServeEngine.AGGREGATE_CACHE) // as on postgres: a miss costs a Query
                    .personalData(ServerKeys.open(start.dataDir(), dynamoDb.client())).build();
            return new LocalEngine(dynamoDb, pipeline, start.chaos());
        });
    }

    private static TimerStore timers(LocalPipeline pipeline) {
        String table = pipeline.table("timers");
        DynamoDbTables.createIfMissing(pipeline.dynamoDbClient(), TableDefinitions.keyValue(table));
        return new DynamoDbTimerStore(pipeline.dynamoDbClient(), table);
    }

    @Override
    public <V> ProjectionWriter<V> views(String app, Projection<?, V> projection) {
        String table = app + "-" + projection.name();
        DynamoDbTables.createIfMissing(pipeline.dynamoDbClient(), TableDefinitions.views(table));
        return new DynamoDbProjectionWriter<>(viewWrites, table, projection.viewType());
    }

    @Override
    public void sendTo(String target, List<StateCarryingMessage> messages) {
        pipeline.eventBridge().sendTo(target, messages);
    }

    @Override
    public Status status() {
        LocalPipeline.Stats s = pipeline.stats();
        ObjectNode body = JsonCodec.object();
        StreamPoller.Stats stream = s.stream();
        ObjectNode st = body.putObject("stream");
        if (stream != null) {
            st.put("checkpoint", stream.checkpoint());
            st.put("lagMillis", stream.lagMillis());
            st.put("buffered", stream.buffered());
            st.put("recordsRead", stream.recordsRead());
            st.put("invocations", stream.invocations());
            st.put("failedInvocations", stream.failedInvocations());
            st.put("retries", stream.retries());
            st.put("deadLettered", stream.deadLettered());
            st.put("lastError", stream.lastError());
        }
        body.put("eventsDispatched", s.dispatched());
        body.put("dispatchFailures", s.dispatchFailures());
        body.put("published", s.published());
        body.put("publishRetries", s.publishRetries());
        body.put("claimChecks", s.claimChecks());
        body.put("recoveredDeliveries", s.recoveredDeliveries());
        body.put("orphanedDeliveries", s.orphanedDeliveries());
        body.put("pendingDeliveries", s.pendingDeliveries());
        return new Status(body, s.targets(), s.deadLetters());
    }

    @Override
    protected void applyChaos(Chaos chaos) {
        pipeline.chaos(chaos);
    }
}
