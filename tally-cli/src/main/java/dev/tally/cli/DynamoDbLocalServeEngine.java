package dev.tally.cli;

import dev.tally.core.projection.Projection;
import dev.tally.core.projection.ProjectionWriter;
import dev.tally.core.runtime.Pipeline;
import dev.tally.core.saga.TimerStore;
import dev.tally.dynamodb.DynamoDbProjectionWriter;
import dev.tally.dynamodb.DynamoDbTables;
import dev.tally.dynamodb.DynamoDbTimerStore;
import dev.tally.dynamodb.DynamoDbWrappedKeyStore;
import dev.tally.dynamodb.TableDefinitions;
import dev.tally.local.LocalDynamoDb;
import dev.tally.local.LocalPipeline;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * {@code --engine dynamodb-local} (the default): DynamoDB Local in the data directory (or in
 * memory), its stream polled like a Lambda event source mapping, the local EventBridge; views in
 * DynamoDB tables "{app}-{projection}", timers in "{prefix}-timers", keys in {@value ServerKeys#TABLE}.
 */
final class DynamoDbLocalServeEngine implements ServeEngine {
    private final LocalDynamoDb dynamoDb;
    private final LocalPipeline pipeline;
    private TimerStore timers;

    private DynamoDbLocalServeEngine(LocalDynamoDb dynamoDb, LocalPipeline pipeline) {
        this.dynamoDb = dynamoDb;
        this.pipeline = pipeline;
    }

    static DynamoDbLocalServeEngine open(Options o, Consumer<String> progress) {
        progress.accept(o.dataDir() == null ? "starting DynamoDB Local in memory (nothing is kept)..."
                : "starting DynamoDB Local with data in " + o.dataDir().toAbsolutePath() + "...");
        LocalDynamoDb dynamoDb = o.dataDir() == null ? LocalDynamoDb.inMemory() : LocalDynamoDb.persistent(o.dataDir(), 0);
        try {
            progress.accept("creating tables, the local EventBridge and the stream poller...");
            LocalPipeline pipeline = LocalPipeline.builder(dynamoDb).chaos(o.chaos()).archive(o.archive())
                    .personalData(ServeEngine.personalData(o.dataDir(),
                            DynamoDbWrappedKeyStore.createIfMissing(dynamoDb.client(), ServerKeys.TABLE))).build();
            return new DynamoDbLocalServeEngine(dynamoDb, pipeline);
        } catch (RuntimeException e) {
            dynamoDb.close();
            throw e;
        }
    }

    @Override
    public Kind kind() {
        return Kind.DYNAMODB_LOCAL;
    }

    @Override
    public Pipeline pipeline() {
        return pipeline;
    }

    @Override
    public <V> ProjectionWriter<V> views(String app, Projection<?, V> projection) {
        String table = app + "-" + projection.name();
        DynamoDbTables.createIfMissing(pipeline.dynamoDbClient(), TableDefinitions.views(table));
        return new DynamoDbProjectionWriter<>(pipeline.dynamoDbClient(), table, projection.viewType());
    }

    @Override
    public synchronized TimerStore timers() {
        if (timers == null) {
            String table = pipeline.table("timers");
            DynamoDbTables.createIfMissing(pipeline.dynamoDbClient(), TableDefinitions.keyValue(table));
            timers = new DynamoDbTimerStore(pipeline.dynamoDbClient(), table);
        }
        return timers;
    }

    @Override
    public boolean awaitQuiet(Duration timeout) {
        return pipeline.awaitQuiet(timeout);
    }

    @Override
    public String describe() {
        return "DynamoDB Local " + (dynamoDb.dataDir() == null ? "in memory" : "in " + dynamoDb.dataDir());
    }

    @Override
    public void close() {
        try {
            pipeline.close();
        } finally {
            dynamoDb.close();
        }
    }
}
