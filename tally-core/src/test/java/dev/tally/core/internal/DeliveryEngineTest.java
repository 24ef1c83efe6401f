package dev.tally.core.internal;

import static dev.tally.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.EventMetadata;
import dev.tally.core.RecordedEvent;
import dev.tally.core.RetryPolicy;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.memory.InMemoryDeadLetterStore;
import dev.tally.core.message.Message;
import dev.tally.core.message.MessageFilter;
import dev.tally.core.message.StateCarryingMessage;
import dev.tally.core.runtime.DeadLetter;
import dev.tally.core.runtime.FailurePolicy;
import dev.tally.core.runtime.MessageRef;
import dev.tally.core.runtime.Target;
import dev.tally.core.spi.DeadLetterStore;
import java.time.Duration;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DeliveryEngineTest {
    /** Version v of stream s/a; the engine routes on the message id, which comes from these coordinates. */
    private static RecordedEvent atVersion(long v) {
        return new RecordedEvent("s", "a", v, "Ticked", 1, Instant.EPOCH, JsonCodec.object(), EventMetadata.empty());
    }

    /** A dead-letter store that is down for its first write. */
    static final class FlakyStore implements DeadLetterStore {
        final InMemoryDeadLetterStore real = new InMemoryDeadLetterStore();
        int failures = 1;

        @Override
        public synchronized void add(DeadLetter letter) {
            if (failures-- > 0) {
                throw new IllegalStateException("dead-letter table unavailable");
            }
            real.add(letter);
        }

        @Override
        public dev.tally.core.Page<DeadLetter> page(dev.tally.core.PageRequest request) {
            return real.page(request);
        }

        @Override
        public long count() {
            return real.count();
        }

        @Override
        public Optional<DeadLetter> get(String id) {
            return real.get(id);
        }

        @Override
        public boolean remove(String id) {
            return real.remove(id);
        }
    }

    @Test
    void aMessageIsDeadLetteredEvenWhenTheStoreFailsOnceAndTheEngineGoesIdle() {
        FlakyStore store = new FlakyStore();
        try (DeliveryEngine engine = DeliveryEngine.async(2, Chaos.NONE, store,
                new dev.tally.core.memory.InMemoryDeliveryStore())) {
            Target broken = new Target("broken", MessageFilter.ANY, m -> {
                throw new IllegalStateException("projector bug");
            }, FailurePolicy.of(new RetryPolicy(2, Duration.ofMillis(1), Duration.ofMillis(2))));
            Message m = new StateCarryingMessage(atVersion(1), JsonCodec.object());
            engine.submit(List.<Map.Entry<Target, Message>>of(new AbstractMap.SimpleImmutableEntry<>(broken, m)));
            assertThat(engine.awaitIdle(Duration.ofSeconds(10))).as("no delivery leaks in flight").isTrue();
            assertThat(store.list()).singleElement().satisfies(d -> assertThat(d.message().id()).isEqualTo(m.id()));
            assertThat(engine.inFlight()).isZero();
        }
    }

    @Test
    void aDeadLetterKeptOnlyAsAReferenceIsReadBackFromTheLedgerOnRedrive() {
        InMemoryDeadLetterStore real = new InMemoryDeadLetterStore();
        DeadLetterStore tooSmall = new DeadLetterStore() { // keeps references only, like a body over its limit
            @Override
            public void add(DeadLetter letter) {
                real.add(letter.withoutBody());
            }

            @Override
            public dev.tally.core.Page<DeadLetter> page(dev.tally.core.PageRequest request) {
                return real.page(request);
            }

            @Override
            public Optional<DeadLetter> get(String id) {
                return real.get(id);
            }

            @Override
            public boolean remove(String id) {
                return real.remove(id);
            }

            @Override
            public long count() {
                return real.count();
            }
        };
        Message m = new StateCarryingMessage(atVersion(3), JsonCodec.object().put("total", 30));
        java.util.concurrent.atomic.AtomicBoolean broken = new java.util.concurrent.atomic.AtomicBoolean(true);
        List<Message> got = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (DeliveryEngine engine = DeliveryEngine.async(2, Chaos.NONE, tooSmall,
                new dev.tally.core.memory.InMemoryDeliveryStore())) {
            Target target = new Target("t", MessageFilter.ANY, msg -> {
                if (broken.get()) {
                    throw new IllegalStateException("down");
                }
                got.add(msg);
            }, FailurePolicy.of(new RetryPolicy(1, Duration.ZERO, Duration.ZERO)));
            engine.targets(name -> name.equals("t") ? target : null);
            engine.claims((kind, store, id, version) -> {
                assertThat(List.of(kind, store, id, version)).containsExactly(m.kind(), "s", "a", 3L);
                return m;
            });
            engine.submit(List.<Map.Entry<Target, Message>>of(new AbstractMap.SimpleImmutableEntry<>(target, m)));
            assertThat(engine.awaitIdle(Duration.ofSeconds(10))).isTrue();
            DeadLetter letter = real.list().get(0);
            assertThat(letter.hasBody()).isFalse();
            broken.set(false);
            assertThat(engine.deadLetters().redrive(letter.id())).isTrue();
            assertThat(got).containsExactly(m);
            assertThat(real.count()).isZero();
        }
    }

    @Test
    void aDeliveryStaysStoredWhileAnotherCopyOfItIsInFlightEvenWhenOneCopyIsDeadLettered() throws Exception {
        dev.tally.core.memory.InMemoryDeliveryStore deliveries = new dev.tally.core.memory.InMemoryDeliveryStore();
        InMemoryDeadLetterStore dead = new InMemoryDeadLetterStore();
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch secondInside = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        Message m = new StateCarryingMessage(atVersion(1), JsonCodec.object());
        try (DeliveryEngine engine = DeliveryEngine.async(2, Chaos.NONE, dead, deliveries)) {
            Target target = new Target("t", MessageFilter.ANY, msg -> {
                if (calls.incrementAndGet() == 1) {
                    throw new IllegalStateException("the first copy fails for good");
                }
                secondInside.countDown();
                release.await(); // the second copy (accepted again, e.g. by a repair) is still running
            }, FailurePolicy.of(new RetryPolicy(1, Duration.ZERO, Duration.ZERO)));
            var pair = List.<Map.Entry<Target, Message>>of(new AbstractMap.SimpleImmutableEntry<>(target, m));
            engine.submit(pair);
            eventually(Duration.ofSeconds(10), () -> assertThat(dead.count()).isEqualTo(1));
            engine.submit(pair);
            assertThat(secondInside.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(dead.count()).isEqualTo(1);
            assertThat(deliveries.size()).as("the acknowledged second copy is still stored").isEqualTo(1);
            release.countDown();
            assertThat(engine.awaitIdle(Duration.ofSeconds(10))).isTrue();
            assertThat(deliveries.size()).isZero();
        }
    }

    @Test
    void aStoredDeliveryKeptAsAReferenceIsReadBackFromTheLedgerWhenDelivered() {
        dev.tally.core.memory.InMemoryDeliveryStore deliveries = new dev.tally.core.memory.InMemoryDeliveryStore();
        Message m = new StateCarryingMessage(atVersion(4), JsonCodec.object().put("total", 40));
        deliveries.add(List.of(new PendingDelivery(PendingDelivery.idOf("t", m), "t", null, MessageRef.of(m), 2,
                Instant.EPOCH, "the process died")));
        List<Message> got = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (DeliveryEngine engine = DeliveryEngine.async(1, Chaos.NONE, new InMemoryDeadLetterStore(), deliveries)) {
            Target target = Target.of("t", MessageFilter.ANY, got::add);
            engine.targets(name -> name.equals("t") ? target : null);
            engine.claims((kind, store, id, version) -> m);
            assertThat(engine.recover()).isEqualTo(1);
            assertThat(engine.awaitIdle(Duration.ofSeconds(10))).isTrue();
        }
        assertThat(got).containsExactly(m);
        assertThat(deliveries.size()).isZero();
    }
}
