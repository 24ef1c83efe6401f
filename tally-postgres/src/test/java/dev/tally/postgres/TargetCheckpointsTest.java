package dev.tally.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.memory.InMemoryCheckpointStore;
import dev.tally.core.spi.Checkpoint;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A target's checkpoint is saved at once after a batch that reached the target, and held back
 * (at most the interval, then on close) after batches the target never saw.
 */
class TargetCheckpointsTest {
    private final InMemoryCheckpointStore stored = new InMemoryCheckpointStore();
    private final TargetCheckpoints checkpoints = new TargetCheckpoints(stored, Duration.ofHours(1));

    private long storedPosition() {
        return stored.load("saga").position().asLong();
    }

    @Test
    void aBatchThatReachedTheTargetIsSavedAtOnceOthersWaitForTheIntervalOrTheClose() {
        checkpoints.save(Checkpoint.at("saga", 10)); // the first save is never held back
        assertThat(storedPosition()).isEqualTo(10);

        checkpoints.save(Checkpoint.at("saga", 20)); // nothing for the target in (10, 20]
        assertThat(storedPosition()).as("held back: reading 11..20 again delivers nothing").isEqualTo(10);

        checkpoints.delivering();
        checkpoints.save(Checkpoint.at("saga", 30));
        assertThat(storedPosition()).as("the target saw an event: saved at once").isEqualTo(30);

        checkpoints.save(Checkpoint.at("saga", 40));
        assertThat(storedPosition()).isEqualTo(30);
        checkpoints.flush();
        assertThat(storedPosition()).isEqualTo(40);
        checkpoints.flush();
        assertThat(storedPosition()).isEqualTo(40);
    }

    @Test
    void withoutDeliveriesTheCheckpointStillMovesOncePerInterval() throws Exception {
        TargetCheckpoints quick = new TargetCheckpoints(stored, Duration.ofMillis(1));
        quick.save(Checkpoint.at("saga", 10));
        Thread.sleep(5);
        quick.save(Checkpoint.at("saga", 20));
        assertThat(storedPosition()).isEqualTo(20);
    }
}
