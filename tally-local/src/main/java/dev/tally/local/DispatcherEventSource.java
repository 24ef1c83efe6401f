package dev.tally.local;

import dev.tally.aws.EventBridgeBus;
import dev.tally.aws.StreamDispatcherHandler;
import dev.tally.core.EventStore;
import dev.tally.core.runtime.Dispatcher;
import dev.tally.core.spi.DeadLetterStore;
import dev.tally.core.spi.CheckpointStore;
import java.time.Duration;
import java.util.List;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * The local stack's dispatcher function (the {@link StreamDispatcherHandler} over a
 * {@link Dispatcher} publishing through an {@link EventBridgeBus}) and its event source mapping on
 * the ledger's stream: a {@link StreamPoller} started when the mapping is enabled and closed when
 * it is disabled (or its host killed); a new one resumes at the saved shard checkpoints.
 */
final class DispatcherEventSource {
    private final DynamoDbClient dynamoDb;
    private final DynamoDbStreamsClient streams;
    private final String ledgerTable;
    private final String functionName;
    private final EventSourceMapping mapping;
    private final CheckpointStore checkpoints;
    private final Duration checkpointInterval;
    private final DeadLetterStore onFailure;
    private volatile StreamPoller poller;
    private volatile Dispatcher dispatcher;
    private volatile EventBridgeBus publisher;
    private StreamDispatcherHandler function;
    /** The poller's checkpoints, written once per interval; null while no poller runs or when not coalesced. */
    private CoalescedShardCheckpoints coalesced;

    DispatcherEventSource(DynamoDbClient dynamoDb, DynamoDbStreamsClient streams, String ledgerTable,
                          String functionName, EventSourceMapping mapping, CheckpointStore checkpoints,
                          Duration checkpointInterval, DeadLetterStore onFailure) {
        this.dynamoDb = dynamoDb;
        this.streams = streams;
        this.ledgerTable = ledgerTable;
        this.functionName = functionName;
        this.mapping = mapping;
        this.checkpoints = checkpoints;
        this.checkpointInterval = checkpointInterval;
        this.onFailure = onFailure;
    }

    /** Deploys the function: a dispatcher over {@code stores} publishing to the bus; once. */
    synchronized Dispatcher deploy(List<EventStore<?>> stores, EventBridgeClient eventBridge, String busName) {
        if (dispatcher == null) {
            publisher = new EventBridgeBus(eventBridge, busName);
            dispatcher = new Dispatcher(stores, publisher);
            function = new StreamDispatcherHandler(dispatcher);
        }
        return dispatcher;
    }

    /** The deployed dispatcher, or null. */
    Dispatcher dispatcher() {
        return dispatcher;
    }

    /** The deployed function's publisher, or null. */
    EventBridgeBus publisher() {
        return publisher;
    }

    /** Starts a poller invoking the deployed function, unless one runs. */
    synchronized StreamPoller enable() {
        if (poller == null || !poller.isRunning()) {
            CheckpointStore stored = checkpoints;
            if (coalesced != null) {
                coalesced.close(); // a poller that stopped by itself
                coalesced = null;
            }
            if (!checkpointInterval.isZero()) {
                coalesced = new CoalescedShardCheckpoints(stored, checkpointInterval);
                stored = coalesced;
            }
            poller = StreamPoller.forTable(dynamoDb, streams, ledgerTable, function, functionName, mapping, stored,
                    onFailure);
            poller.start();
        }
        return poller;
    }

    /** Stops the poller and writes the positions that waited for their interval. */
    synchronized void disable() {
        StreamPoller p = poller;
        if (p != null) {
            p.close();
        }
        if (coalesced != null) {
            coalesced.close();
            coalesced = null;
        }
    }

    /** Stops the poller as kill -9 would: the positions that waited for their interval are lost. */
    synchronized void abandon() {
        StreamPoller p = poller;
        if (p != null) {
            p.close();
        }
        if (coalesced != null) {
            coalesced.abandon();
        }
    }

    /** Whether a poller runs whose last pass that found nothing new started after {@code epochMillis}. */
    boolean readAllSince(long epochMillis) {
        StreamPoller p = poller;
        return p != null && p.lastEmptyPollStartedAt() > epochMillis;
    }

    /** The current poller (null before the first start). */
    StreamPoller poller() {
        return poller;
    }
}
