package dev.tally.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.memory.InMemoryCheckpointStore;
import dev.tally.core.spi.Checkpoint;
import dev.tally.core.spi.CheckpointStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class CoalescedShardCheckpointsTest {
    /** The stored checkpoints, and every write they got. */
    final CheckpointStore memory = new InMemoryCheckpointStore();
    final List<String> writes = new CopyOnWriteArrayList<>();
    final CheckpointStore stored = new CheckpointStore() {
        @Override
        public Checkpoint load(String shardId) {
            return memory.load(shardId);
        }

        @Override
        public synchronized void save(Checkpoint checkpoint) {
            writes.add(checkpoint.toString());
            memory.save(checkpoint);
        }
    };

    /** The sequence number saved for a shard, verbatim. */
    static String at(CheckpointStore store, String shardId) {
        return store.load(shardId).position().value();
    }

    @Test
    void manySavesWithinTheIntervalCostOneWriteAndCloseWritesTheNewest() {
        CoalescedShardCheckpoints c = new CoalescedShardCheckpoints(stored, Duration.ofHours(1));
        for (int i = 1; i <= 50; i++) {
            c.save(Checkpoint.at("shard-1", "" + i));
        }
        assertThat(writes).containsExactly("shard-1@1"); // the first is written at once
        assertThat(at(c, "shard-1")).isEqualTo("50"); // the poller resumes from what it did
        assertThat(at(memory, "shard-1")).isEqualTo("1"); // stored lags, never leads
        c.close();
        assertThat(writes).containsExactly("shard-1@1", "shard-1@50");
        assertThat(at(memory, "shard-1")).isEqualTo("50");
    }

    @Test
    void aCrashLosesOnlyThePositionThatWaitedSoTheRecordsAreDeliveredAgain() {
        CoalescedShardCheckpoints c = new CoalescedShardCheckpoints(stored, Duration.ofHours(1));
        c.save(Checkpoint.at("shard-1", "10"));
        c.save(Checkpoint.at("shard-1", "20"));
        c.abandon();
        c.close(); // nothing was waiting any more: a halted pipeline writes nothing
        assertThat(writes).containsExactly("shard-1@10");
        assertThat(at(memory, "shard-1")).isEqualTo("10");
    }

    @Test
    void aWaitingPositionIsWrittenOnceTheIntervalPassedWithoutAnotherSave() throws Exception {
        // long enough that the three saves fall within one interval however slow this machine, short
        // enough that the flusher writes the waiting position soon after
        CoalescedShardCheckpoints c = new CoalescedShardCheckpoints(stored, Duration.ofMillis(500));
        c.save(Checkpoint.at("shard-1", "1"));
        c.save(Checkpoint.at("shard-1", "2"));
        c.save(Checkpoint.at("shard-2", "7"));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!at(memory, "shard-1").equals("2") && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(at(memory, "shard-1")).isEqualTo("2");
        assertThat(at(memory, "shard-2")).isEqualTo("7");
        c.close();
        assertThat(writes).containsExactly("shard-1@1", "shard-2@7", "shard-1@2");
    }
}
