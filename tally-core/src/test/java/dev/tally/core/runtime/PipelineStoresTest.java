package dev.tally.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.EventStore;
import dev.tally.core.RetryPolicy;
import dev.tally.core.memory.InMemoryLedger;
import dev.tally.core.memory.InMemorySnapshotStore;
import dev.tally.core.snapshot.SnapshotPolicy;
import dev.tally.core.Fixtures;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** The wiring the three pipelines share: stores built with the common options, once per name. */
class PipelineStoresTest {
    static final class Options extends PipelineOptions<Options> {
        Options() {
            super(SnapshotPolicy.never());
        }
    }

    @Test
    void storesAreBuiltWithTheOptionsOncePerAggregateTypeAndNotAfterStart() {
        Clock fixed = Clock.fixed(Instant.parse("2027-01-31T12:00:00Z"), ZoneOffset.UTC);
        Options options = new Options().clock(fixed).commandRetry(RetryPolicy.noRetry());
        PipelineStores stores = new PipelineStores(new InMemoryLedger(), new InMemorySnapshotStore(), options);
        EventStore<?> counter = stores.add(Fixtures.TOTAL);
        assertThat(stores.list()).containsExactly(counter);
        assertThatThrownBy(() -> stores.add(Fixtures.TOTAL)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("once per aggregate type");
        assertThat(stores.seal()).containsExactly(counter);
        assertThatThrownBy(() -> stores.add(Fixtures.TOTAL)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("before start()");
    }

    /** With the cache, a refusal is decided on the cached state, then once more on a fresh read; without, once. */
    @Test
    void theStoresKeepAsManyAggregatesInMemoryAsTheOptionSays() {
        assertThat(decisionsOfARefusalAfterAWrite(new Options())).as("default: a cache").isEqualTo(2);
        assertThat(decisionsOfARefusalAfterAWrite(new Options().aggregateCache(0))).as("no cache").isEqualTo(1);
        assertThatThrownBy(() -> new Options().aggregateCache(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("aggregateCache");
    }

    private static int decisionsOfARefusalAfterAWrite(Options options) {
        EventStore<Fixtures.Total> store = new PipelineStores(new InMemoryLedger(), new InMemorySnapshotStore(),
                options).add(Fixtures.TOTAL);
        store.execute("a", new Fixtures.Decide(total -> dev.tally.core.command.Decision.emit(new Fixtures.Added(1))));
        java.util.concurrent.atomic.AtomicInteger decisions = new java.util.concurrent.atomic.AtomicInteger();
        store.execute("a", new Fixtures.Decide(total -> {
            decisions.incrementAndGet();
            return dev.tally.core.command.Decision.reject("nope", "not today");
        }));
        return decisions.get();
    }
}
