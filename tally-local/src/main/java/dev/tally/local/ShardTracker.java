package dev.tally.local;

import dev.tally.core.spi.Checkpoint;
import dev.tally.core.spi.CheckpointStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.services.dynamodb.model.DescribeStreamRequest;
import software.amazon.awssdk.services.dynamodb.model.GetShardIteratorRequest;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.StreamDescription;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * The shards of one stream, as the stream poller sees them: which exist (refreshed with
 * DescribeStream), which may be read (a child only once its parent is finished), where each one's
 * iterator stands, and the checkpoint (last finished sequence number) of each, loaded once and
 * saved only forwards. Not thread-safe: the poller's thread owns it.
 */
final class ShardTracker {
    /** One shard: its iterator, the records read and not yet handled, and whether it ended. */
    static final class ShardState {
        final String id;
        final String parentId;
        String iterator;
        /**
         * The iterator was taken at the shard's trim horizon and has read nothing yet: if the stream
         * says it was trimmed, nothing past a checkpoint was lost (DynamoDB Local says so of a horizon
         * iterator taken on an empty shard once another table's write moves its sequence numbers on).
         */
        boolean atHorizon;
        boolean closed;
        boolean finished;
        final List<Record> buffer = new ArrayList<>();
        long firstBufferedAt;

        ShardState(String id, String parentId) {
            this.id = id;
            this.parentId = parentId;
        }

        /** Forget what was read past the checkpoint: the next read starts after it again. */
        void resetToCheckpoint() {
            buffer.clear();
            iterator = null;
            atHorizon = false;
            closed = false;
            finished = false;
        }
    }

    private final DynamoDbStreamsClient streams;
    private final String streamArn;
    private final CheckpointStore checkpoints;
    private final Map<String, ShardState> shards = new LinkedHashMap<>();
    private final Map<String, Checkpoint> checkpointCache = new LinkedHashMap<>();
    private long refreshedAt;

    ShardTracker(DynamoDbStreamsClient streams, String streamArn, CheckpointStore checkpoints) {
        this.streams = Objects.requireNonNull(streams, "streams");
        this.streamArn = Objects.requireNonNull(streamArn, "streamArn");
        this.checkpoints = Objects.requireNonNull(checkpoints, "checkpoints");
    }

    /** The shards that may be read now: not finished, and their parent (if known) finished. */
    List<ShardState> readable() {
        refresh(false);
        List<ShardState> out = new ArrayList<>();
        for (ShardState s : shards.values()) {
            ShardState parent = s.parentId == null ? null : shards.get(s.parentId);
            if (!s.finished && (parent == null || parent.finished)) {
                out.add(s);
            }
        }
        return out;
    }

    Iterable<ShardState> all() {
        return shards.values();
    }

    /** Lists the shards again now (after a shard ended, to find its children). */
    void refresh(boolean force) {
        long now = System.currentTimeMillis();
        if (!force && !shards.isEmpty() && now - refreshedAt < 10_000) {
            return;
        }
        refreshedAt = now;
        String start = null;
        do {
            StreamDescription d = streams.describeStream(DescribeStreamRequest.builder().streamArn(streamArn)
                    .exclusiveStartShardId(start).build()).streamDescription();
            for (Shard shard : d.shards()) {
                shards.computeIfAbsent(shard.shardId(), id -> new ShardState(id, shard.parentShardId()));
            }
            start = d.lastEvaluatedShardId();
        } while (start != null);
    }

    /** An iterator after the shard's checkpoint, or at its horizon when it has none. */
    String iteratorAfterCheckpoint(ShardState s) {
        Checkpoint cp = checkpoint(s.id);
        if (cp.isStart()) {
            return iteratorAtHorizon(s);
        }
        s.atHorizon = false;
        return iterator(s.id, ShardIteratorType.AFTER_SEQUENCE_NUMBER, cp.position().value());
    }

    String iteratorAtHorizon(ShardState s) {
        String it = iterator(s.id, ShardIteratorType.TRIM_HORIZON, null);
        s.atHorizon = true;
        return it;
    }

    private String iterator(String shardId, ShardIteratorType type, String sequence) {
        return streams.getShardIterator(GetShardIteratorRequest.builder().streamArn(streamArn).shardId(shardId)
                .shardIteratorType(type).sequenceNumber(sequence).build()).shardIterator();
    }

    /** The shard's checkpoint ({@link Checkpoint#isStart()} when it has none). */
    Checkpoint checkpoint(String shardId) {
        return checkpointCache.computeIfAbsent(shardId, checkpoints::load);
    }

    /** Saves a shard's checkpoint if it moves forwards. */
    void checkpoint(String shardId, String sequenceNumber) {
        Checkpoint current = checkpoint(shardId);
        Checkpoint.Position to = Checkpoint.Position.of(sequenceNumber);
        if (!to.isAfter(current.position())) {
            return;
        }
        Checkpoint moved = current.movedTo(to);
        checkpoints.save(moved);
        checkpointCache.put(shardId, moved);
    }

    /** The saved checkpoints' sequence numbers, for dashboards. */
    List<String> checkpoints() {
        return checkpointCache.values().stream().filter(c -> !c.isStart()).map(c -> c.position().value())
                .distinct().toList();
    }

    /** Drops buffers and iterators (when the poller stops): the next start reads after the checkpoints. */
    void clear() {
        shards.values().forEach(ShardState::resetToCheckpoint);
    }
}
