package dev.tally.local;

import dev.tally.dynamodb.DynamoDbCheckpoints;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Where the stream poller remembers the last sequence number it finished, per shard. */
public interface ShardCheckpoints {
    Optional<String> load(String shardId);

    void save(String shardId, String sequenceNumber);

    /** In memory: lost with the JVM, fine for tests. */
    static ShardCheckpoints inMemory() {
        Map<String, String> map = new ConcurrentHashMap<>();
        return new ShardCheckpoints() {
            @Override
            public Optional<String> load(String shardId) {
                return Optional.ofNullable(map.get(shardId));
            }

            @Override
            public void save(String shardId, String sequenceNumber) {
                map.put(shardId, sequenceNumber);
            }
        };
    }

    /** In a DynamoDB table, under "{prefix}{shardId}": survives restarts of a persisted local stack. */
    static ShardCheckpoints in(DynamoDbCheckpoints table, String prefix) {
        return new ShardCheckpoints() {
            @Override
            public Optional<String> load(String shardId) {
                return table.position(prefix + shardId);
            }

            @Override
            public void save(String shardId, String sequenceNumber) {
                table.position(prefix + shardId, sequenceNumber);
            }
        };
    }
}
