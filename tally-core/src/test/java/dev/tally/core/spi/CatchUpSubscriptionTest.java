package dev.tally.core.spi;

import static dev.tally.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.EventMetadata;
import dev.tally.core.RecordedEvent;
import dev.tally.core.RetryPolicy;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.memory.InMemoryCheckpointStore;
import dev.tally.core.memory.InMemoryLedger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class CatchUpSubscriptionTest {
    private final InMemoryLedger ledger = new InMemoryLedger();
    private final InMemoryCheckpointStore checkpoints = new InMemoryCheckpointStore();

    /** Versions 1..last of stream s/a: a subscription looks at their order, not their content. */
    private static List<RecordedEvent> upTo(long last) {
        return LongStream.rangeClosed(1, last).mapToObj(v -> new RecordedEvent("s", "a", v, "Ticked", 1,
                Instant.EPOCH, JsonCodec.object(), EventMetadata.empty())).toList();
    }

    @Test
    void aRestartResumesFromTheCheckpoint() {
        ledger.append(upTo(7));
        List<String> seen = new ArrayList<>();
        CatchUpSubscription first = CatchUpSubscription.builder("sub", ledger, checkpoints, batch -> {
            batch.forEach(e -> seen.add(e.coordinates()));
            return batch.size();
        }).batchSize(5).build();
        assertThat(first.pollOnce()).isEqualTo(5);
        first.close();

        CatchUpSubscription second = CatchUpSubscription.builder("sub", ledger, checkpoints, batch -> {
            batch.forEach(e -> seen.add(e.coordinates()));
            return batch.size();
        }).batchSize(5).build();
        assertThat(second.position()).isEqualTo(5);
        assertThat(second.pollOnce()).isEqualTo(2);
        assertThat(seen).hasSize(7).doesNotHaveDuplicates();
    }

    @Test
    void onlyWhatTheHandlerFinishedMovesTheCheckpoint() {
        ledger.append(upTo(4));
        int[] calls = {0};
        CatchUpSubscription sub = CatchUpSubscription.builder("partial", ledger, checkpoints, batch -> {
            calls[0]++;
            return calls[0] == 1 ? 2 : batch.size();
        }).build();
        assertThat(sub.pollOnce()).isEqualTo(2);
        assertThat(checkpoints.load("partial").position().asLong()).isEqualTo(2);
        assertThat(sub.pollOnce()).isEqualTo(2);
        assertThat(checkpoints.load("partial").position().asLong()).isEqualTo(4);
    }

    @Test
    void anEventThatKeepsFailingGoesToTheGiveUpSinkAndTheRestFlows() {
        ledger.append(upTo(3));
        List<RecordedEvent> givenUp = new ArrayList<>();
        List<Long> handled = new ArrayList<>();
        CatchUpSubscription sub = CatchUpSubscription.builder("poison", ledger, checkpoints, batch -> {
            for (int i = 0; i < batch.size(); i++) {
                if (batch.get(i).version() == 2) {
                    return i;
                }
                handled.add(batch.get(i).version());
            }
            return batch.size();
        }).failurePolicy(dev.tally.core.runtime.FailurePolicy.of(new RetryPolicy(3, Duration.ZERO, Duration.ZERO))).onGiveUp(givenUp::add).build();
        for (int i = 0; i < 5; i++) {
            sub.pollOnce();
        }
        assertThat(givenUp).extracting(RecordedEvent::version).containsExactly(2L);
        assertThat(handled).containsExactly(1L, 3L);
        assertThat(sub.position()).isEqualTo(3);
    }

    @Test
    void anOutageOfTheLogDoesNotUseUpTheAttemptsOfTheNextEvent() throws Exception {
        ledger.append(upTo(2));
        int[] reads = {0};
        GlobalLog flakyLog = (position, limit) -> {
            if (reads[0]++ < 5) {
                throw new IllegalStateException("database restarting");
            }
            return ledger.readAfter(position, limit);
        };
        List<RecordedEvent> givenUp = new CopyOnWriteArrayList<>();
        List<RecordedEvent> seen = new CopyOnWriteArrayList<>();
        int[] calls = {0};
        try (CatchUpSubscription sub = CatchUpSubscription.builder("outage", flakyLog, checkpoints, batch -> {
            if (calls[0]++ == 0) {
                throw new IllegalStateException("one transient handler failure");
            }
            seen.addAll(batch);
            return batch.size();
        }).failurePolicy(dev.tally.core.runtime.FailurePolicy.of(new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(2)))).onGiveUp(givenUp::add)
                .idleWait(Duration.ofMillis(20)).build().start()) {
            eventually(Duration.ofSeconds(10), () -> assertThat(seen).hasSize(2));
        }
        assertThat(givenUp).as("one handler failure after a log outage is not a give-up").isEmpty();
        assertThat(seen).hasSize(2);
    }

    @Test
    void theBackgroundThreadWakesOnAppend() throws Exception {
        List<RecordedEvent> seen = new CopyOnWriteArrayList<>();
        try (CatchUpSubscription sub = CatchUpSubscription.builder("live", ledger, checkpoints, batch -> {
            seen.addAll(batch);
            return batch.size();
        }).idleWait(Duration.ofSeconds(30)).build().start()) {
            ledger.onAppend(sub::wake);
            ledger.append(upTo(3));
            eventually(Duration.ofSeconds(10), () -> assertThat(seen).hasSize(3));
        }
        assertThat(seen).hasSize(3);
    }
}
