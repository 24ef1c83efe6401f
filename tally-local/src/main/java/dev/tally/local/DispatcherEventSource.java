package dev.tally.local;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import dev.tally.core.runtime.DeadLetterStore;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * The event source mapping of the local stack's dispatcher function on the ledger's stream: a
 * {@link StreamPoller} started when the mapping is enabled and closed when it is disabled (or its
 * host killed); a new one resumes at the saved shard checkpoints.
 */
final class DispatcherEventSource {
    private final DynamoDbClient dynamoDb;
    private final DynamoDbStreamsClient streams;
    private final String ledgerTable;
    private final String functionName;
    private final EventSourceMapping mapping;
    private final ShardCheckpoints checkpoints;
    private final DeadLetterStore onFailure;
    private volatile StreamPoller poller;

    DispatcherEventSource(DynamoDbClient dynamoDb, DynamoDbStreamsClient streams, String ledgerTable,
                          String functionName, EventSourceMapping mapping, ShardCheckpoints checkpoints,
                          DeadLetterStore onFailure) {
        this.dynamoDb = dynamoDb;
        this.streams = streams;
        this.ledgerTable = ledgerTable;
        this.functionName = functionName;
        this.mapping = mapping;
        this.checkpoints = checkpoints;
        this.onFailure = onFailure;
    }

    /** Starts a poller invoking {@code function}, unless one runs. */
    synchronized StreamPoller enable(RequestHandler<DynamodbEvent, StreamsEventResponse> function) {
        if (poller == null || !poller.isRunning()) {
            poller = StreamPoller.forTable(dynamoDb, streams, ledgerTable, function, functionName, mapping,
                    checkpoints, onFailure);
            poller.start();
        }
        return poller;
    }

    /** Stops the poller; what was not checkpointed is read again by the next one. */
    void disable() {
        StreamPoller p = poller;
        if (p != null) {
            p.close();
        }
    }

    /** The current poller (null before the first start). */
    StreamPoller poller() {
        return poller;
    }
}
