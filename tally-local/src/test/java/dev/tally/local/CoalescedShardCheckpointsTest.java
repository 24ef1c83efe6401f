package dev.tally.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CoalescedShardCheckpointsTest {
    /** The stored checkpoints, and every write they got. */
    final ShardCheckpoints memory = ShardCheckpoints.inMemory();
    final List<String> writes = new ArrayList<>();
    final ShardCheckpoints stored = new ShardCheckpoints() {
        @Override
        public Optional<String> load(String shardId) {
            return memory.load(shardId);
        }

        @Override
        public synchronized void save(String shardId, String sequenceNumber) {
            writes.add(shardId + "@" + sequenceNumber);
            memory.save(shardId, sequenceNumber);
        }
    };

    @Test
    void manySavesWithinTheIntervalCostOneWriteAndCloseWritesTheNewest() {
        CoalescedShardCheckpoints c = new CoalescedShardCheckpoints(stored, Duration.ofHours(1));
        for (int i = 1; i <= 50; i++) {
            c.save("shard-1", "" + i);
        }
        assertThat(writes).containsExactly("shard-1@1"); // the first is written at once
        assertThat(c.load("shard-1")).contains("50"); // the poller resumes from what it did
        assertThat(memory.load("shard-1")).contains("1"); // stored lags, never leads
        c.close();
        assertThat(writes).containsExactly("shard-1@1", "shard-1@50");
        assertThat(memory.load("shard-1")).contains("50");
    }

    @Test
    void aCrashLosesOnlyThePositionThatWaitedSoTheRecordsAreDeliveredAgain() {
        CoalescedShardCheckpoints c = new CoalescedShardCheckpoints(stored, Duration.ofHours(1));
        c.save("shard-1", "10");
        c.save("shard-1", "20");
        c.abandon();
        c.close(); // nothing was waiting any more: a halted pipeline writes nothing
        assertThat(writes).containsExactly("shard-1@10");
        assertThat(memory.load("shard-1")).contains("10");
    }

    @Test
    void aWaitingPositionIsWrittenOnceTheIntervalPassedWithoutAnotherSave() throws Exception {
        CoalescedShardCheckpoints c = new CoalescedShardCheckpoints(stored, Duration.ofMillis(20));
        c.save("shard-1", "1");
        c.save("shard-1", "2");
        c.save("shard-2", "7");
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!memory.load("shard-1").equals(Optional.of("2")) && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(memory.load("shard-1")).contains("2");
        assertThat(memory.load("shard-2")).contains("7");
        c.close();
        assertThat(writes).containsExactly("shard-1@1", "shard-2@7", "shard-1@2");
    }
}
