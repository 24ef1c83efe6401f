package dev.tally.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.json.JsonCodec;
import dev.tally.core.memory.InMemoryDeadLetterStore;
import dev.tally.core.memory.InMemoryQueue;
import dev.tally.core.message.MessageQueue;
import dev.tally.core.message.StateCarryingMessage;
import dev.tally.testing.MutableClock;
import dev.tally.testing.TestEvents;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The queue abstraction's in-memory implementation keeps SQS's semantics. */
class InMemoryQueueTest {
    static StateCarryingMessage message(long v) {
        return new StateCarryingMessage(TestEvents.event("s", "a", v), JsonCodec.object().put("v", v));
    }

    @Test
    void aReceivedMessageIsHiddenUntilItsVisibilityTimeoutAndGoneWhenAcked() {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-24T10:00:00Z"));
        InMemoryQueue q = new InMemoryQueue("q", 3, new InMemoryDeadLetterStore(), clock);
        q.send(List.of(message(1), message(2)));
        List<MessageQueue.Received> first = q.receive(10, Duration.ofSeconds(30));
        assertThat(first).hasSize(2);
        assertThat(q.receive(10, Duration.ofSeconds(30))).as("hidden while in flight").isEmpty();

        q.ack(first.get(0).receipt());
        clock.advance(Duration.ofSeconds(31));
        List<MessageQueue.Received> again = q.receive(10, Duration.ofSeconds(30));
        assertThat(again).hasSize(1);
        assertThat(again.get(0).message().id()).isEqualTo(message(2).id());
        assertThat(again.get(0).receiveCount()).isEqualTo(2);

        q.ack(first.get(1).receipt()); // a stale receipt does not delete the message
        assertThat(q.size()).isEqualTo(1);
        q.ack(again.get(0).receipt());
        assertThat(q.size()).isZero();
    }

    @Test
    void afterMaxReceiveCountTheMessageMovesToTheDeadLetters() {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-24T10:00:00Z"));
        InMemoryDeadLetterStore dead = new InMemoryDeadLetterStore();
        InMemoryQueue q = new InMemoryQueue("projector-queue", 2, dead, clock);
        q.send(List.of(message(7)));
        for (int i = 0; i < 2; i++) {
            assertThat(q.receive(1, Duration.ofSeconds(1))).hasSize(1);
            clock.advance(Duration.ofSeconds(2));
        }
        assertThat(q.receive(1, Duration.ofSeconds(1))).isEmpty();
        assertThat(dead.list()).singleElement().satisfies(d -> {
            assertThat(d.source()).isEqualTo(new dev.tally.core.runtime.DeadLetterSource.Queue("projector-queue"));
            assertThat(d.message().id()).isEqualTo(message(7).id());
            assertThat(d.attempts()).isEqualTo(2);
        });
        assertThat(q.size()).isZero();
    }
}
