package dev.tally.core.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.RecordedEvent;
import dev.tally.core.RetryPolicy;
import dev.tally.core.memory.InMemoryCheckpointStore;
import dev.tally.core.runtime.FailurePolicy;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class CatchUpOptionsTest {
    private final CatchUpSubscription.Builder builder = CatchUpSubscription.builder("s", (position, limit) -> List.of(),
            new InMemoryCheckpointStore(), batch -> batch.size());

    @Test
    void aSubscriptionStartsFromTheSharedDefaults() {
        CatchUpOptions o = builder.options();
        assertThat(o).isEqualTo(CatchUpOptions.DEFAULT);
        assertThat(o.batchSize()).isEqualTo(100);
        assertThat(o.idleWait()).isEqualTo(Duration.ofMillis(500));
        assertThat(o.waitingRepoll()).isEqualTo(Duration.ofMillis(50));
        assertThat(o.failurePolicy()).isEqualTo(FailurePolicy.of(new RetryPolicy(10, Duration.ofMillis(50),
                Duration.ofSeconds(5))));
        assertThat(o.onGiveUp()).isNull();
    }

    @Test
    void everySetterChainsOnTheConcreteBuilderAndKeepsTheOthers() {
        Consumer<RecordedEvent> sink = event -> { };
        FailurePolicy policy = FailurePolicy.of(new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(2)));
        CatchUpSubscription.Builder same = builder.batchSize(7).idleWait(Duration.ofSeconds(2)).failurePolicy(policy)
                .onGiveUp(sink);
        assertThat(same).isSameAs(builder);
        assertThat(builder.options()).isEqualTo(new CatchUpOptions(7, Duration.ofSeconds(2), Duration.ofMillis(50),
                policy, sink));
    }

    @Test
    void badValuesAreRefusedWithTheFieldNamed() {
        assertThatThrownBy(() -> builder.batchSize(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("batch size must be >= 1, got 0");
        assertThatThrownBy(() -> builder.idleWait(null)).hasMessage("wait");
        assertThatThrownBy(() -> builder.failurePolicy(null)).hasMessage("policy");
        assertThatThrownBy(() -> CatchUpOptions.DEFAULT.withWaitingRepoll(null)).hasMessage("wait");
        assertThat(builder.options()).isEqualTo(CatchUpOptions.DEFAULT);
    }
}
