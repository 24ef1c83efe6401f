package dev.tally.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.EventMetadata;
import dev.tally.core.EventStore;
import dev.tally.core.Fixtures;
import dev.tally.core.Fixtures.Added;
import dev.tally.core.Fixtures.Total;
import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.spi.LedgerAdapter;
import dev.tally.core.memory.InMemoryLedger;
import dev.tally.core.message.Message;
import dev.tally.core.spi.MessageBus;
import dev.tally.core.message.MessageCodec;
import dev.tally.core.message.StateCarryingMessage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DispatcherTest {
    private final AtomicInteger reads = new AtomicInteger();
    private final LedgerAdapter ledger = new LedgerAdapter() { // an in-memory ledger that counts its reads
        private final InMemoryLedger inner = new InMemoryLedger();

        @Override
        public void append(List<RecordedEvent> events) {
            inner.append(events);
        }

        @Override
        public List<RecordedEvent> read(String s, String id, ReadOptions options) {
            reads.incrementAndGet();
            return inner.read(s, id, options);
        }

        @Override
        public Page<String> listAggregateIds(String s, PageRequest request) {
            return inner.listAggregateIds(s, request);
        }
    };
    private final EventStore<Total> store = EventStore.builder(Fixtures.TOTAL, ledger).build();
    private final List<Message> published = new ArrayList<>();
    private final MessageBus bus = messages -> published.addAll(messages);
    private final Dispatcher dispatcher = new Dispatcher(List.of(store), bus);

    @Test
    void eachEventCarriesTheAggregateAsOfItsOwnVersionNotTheLatest() {
        for (int i = 1; i <= 5; i++) {
            store.append("a", i - 1, new Added(i));
        }
        RecordedEvent third = store.read("a", ReadOptions.range(3, 3)).get(0);
        dispatcher.dispatch(List.of(third)); // a late redelivery, after v4 and v5 exist

        StateCarryingMessage m = (StateCarryingMessage) published.get(0);
        assertThat(m.version()).isEqualTo(3);
        assertThat(m.aggregate(Total.class).state()).isEqualTo(new Total(6, 3));
    }

    @Test
    void aBatchOfOneAggregateCostsOneLoad() {
        for (int i = 1; i <= 10; i++) {
            store.append("a", i - 1, new Added(i));
        }
        List<RecordedEvent> batch = store.read("a", ReadOptions.ALL);
        reads.set(0);
        Dispatcher.Result result = dispatcher.dispatch(batch);
        assertThat(result.ok()).isTrue();
        assertThat(result.published()).isEqualTo(10);
        assertThat(reads.get()).isEqualTo(1);
        assertThat(published).extracting(m -> ((StateCarryingMessage) m).aggregate(Total.class).state().sum())
                .containsExactly(1L, 3L, 6L, 10L, 15L, 21L, 28L, 36L, 45L, 55L);
    }

    @Test
    void stopsAtTheFirstEventItCannotDispatchAndReportsIt() {
        store.append("a", 0, new Added(1));
        RecordedEvent good = store.read("a", ReadOptions.ALL).get(0);
        RecordedEvent foreign = new RecordedEvent("unknown-store", "x", 1, "Ticked", 1, Instant.EPOCH,
                JsonCodec.object(), EventMetadata.empty());
        Dispatcher.Result result = dispatcher.dispatch(List.of(good, foreign, good));
        assertThat(result.published()).isEqualTo(1);
        assertThat(result.failure()).get().extracting(Dispatcher.Failure::event).isEqualTo(foreign);
        assertThat(result.failure().get().error()).hasMessageContaining("no event store named 'unknown-store'");
        assertThat(published).hasSize(1);
    }

    @Test
    void aBusFailureFailsTheWholeBatchFromItsFirstEvent() {
        store.append("a", 0, new Added(1));
        Dispatcher failing = new Dispatcher(List.of(store), messages -> {
            throw new IllegalStateException("bus down");
        });
        Dispatcher.Result result = failing.dispatch(store.read("a", ReadOptions.ALL));
        assertThat(result.published()).isZero();
        assertThat(result.failure()).isPresent();
    }

    @Test
    void messagesSurviveTheWireFormat() {
        store.append("a", 0, new Added(42));
        dispatcher.dispatch(store.read("a", ReadOptions.ALL));
        Message m = published.get(0);
        String json = MessageCodec.toJsonString(m);
        assertThat(json).contains("\"kind\":\"state-carrying\"").contains("\"lastEvent\"").contains("\"aggregate\"");
        assertThat(MessageCodec.fromJson(json)).isEqualTo(m);
    }
}
