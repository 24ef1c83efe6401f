package dev.tally.core.memory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.EventMetadata;
import dev.tally.core.RecordedEvent;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.spi.MessageQueue;
import dev.tally.core.message.StateCarryingMessage;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The queue abstraction's in-memory implementation keeps SQS's semantics. */
class InMemoryQueueTest {
    static StateCarryingMessage message(long v) {
        RecordedEvent e = new RecordedEvent("s", "a", v, "Ticked", 1, Instant.EPOCH, JsonCodec.object(),
                EventMetadata.empty());
        return new StateCarryingMessage(e, JsonCodec.object().put("v", v));
    }

    /** Whatever clock {@code current} holds at each call: the test moves time by swapping in Clock.offset. */
    static Clock following(Supplier<Clock> current) {
        return new Clock() {
            @Override
            public Instant instant() {
                return current.get().instant();
            }

            @Override
            public ZoneId getZone() {
                return current.get().getZone();
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return following(() -> current.get().withZone(zone));
            }
        };
    }

    @Test
    void aReceivedMessageIsHiddenUntilItsVisibilityTimeoutAndGoneWhenAcked() {
        AtomicReference<Clock> time = new AtomicReference<>(
                Clock.fixed(Instant.parse("2026-11-24T10:00:00Z"), ZoneOffset.UTC));
        InMemoryQueue q = new InMemoryQueue("q", 3, new InMemoryDeadLetterStore(), following(time::get));
        q.send(List.of(message(1), message(2)));
        List<MessageQueue.Received> first = q.receive(10, Duration.ofSeconds(30));
        assertThat(first).hasSize(2);
        assertThat(q.receive(10, Duration.ofSeconds(30))).as("hidden while in flight").isEmpty();

        q.ack(first.get(0).receipt());
        time.updateAndGet(c -> Clock.offset(c, Duration.ofSeconds(31)));
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
        AtomicReference<Clock> time = new AtomicReference<>(
                Clock.fixed(Instant.parse("2026-11-24T10:00:00Z"), ZoneOffset.UTC));
        InMemoryDeadLetterStore dead = new InMemoryDeadLetterStore();
        InMemoryQueue q = new InMemoryQueue("projector-queue", 2, dead, following(time::get));
        q.send(List.of(message(7)));
        for (int i = 0; i < 2; i++) {
            assertThat(q.receive(1, Duration.ofSeconds(1))).hasSize(1);
            time.updateAndGet(c -> Clock.offset(c, Duration.ofSeconds(2)));
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
