package dev.tally.kernel;

import static dev.tally.kernel.Fixtures.ADDED;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.EventStore;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.memory.InMemoryLedger;
import dev.tally.core.runtime.Dispatcher;
import dev.tally.core.message.Message;
import dev.tally.core.message.MessageBus;
import dev.tally.core.message.MessageCodec;
import dev.tally.core.message.StateCarryingMessage;
import dev.tally.kernel.Fixtures.Added;
import dev.tally.kernel.Fixtures.Total;
import dev.tally.testing.CountingLedger;
import dev.tally.testing.TestEvents;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DispatcherTest {
    private final CountingLedger ledger = new CountingLedger(new InMemoryLedger());
    private final EventStore<Total> store = EventStore.builder(Fixtures.TOTAL, ledger).build();
    private final List<Message> published = new ArrayList<>();
    private final MessageBus bus = messages -> published.addAll(messages);
    private final Dispatcher dispatcher = new Dispatcher(List.of(store), bus);

    @Test
    void eachEventCarriesTheAggregateAsOfItsOwnVersionNotTheLatest() {
        for (int i = 1; i <= 5; i++) {
            store.append("a", i - 1, ADDED, new Added(i));
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
            store.append("a", i - 1, ADDED, new Added(i));
        }
        List<RecordedEvent> batch = store.read("a", ReadOptions.ALL);
        ledger.reset();
        Dispatcher.Result result = dispatcher.dispatch(batch);
        assertThat(result.ok()).isTrue();
        assertThat(result.published()).isEqualTo(10);
        assertThat(ledger.reads()).isEqualTo(1);
        assertThat(published).extracting(m -> ((StateCarryingMessage) m).aggregate(Total.class).state().sum())
                .containsExactly(1L, 3L, 6L, 10L, 15L, 21L, 28L, 36L, 45L, 55L);
    }

    @Test
    void stopsAtTheFirstEventItCannotDispatchAndReportsIt() {
        store.append("a", 0, ADDED, new Added(1));
        RecordedEvent good = store.read("a", ReadOptions.ALL).get(0);
        RecordedEvent foreign = TestEvents.event("unknown-store", "x", 1);
        Dispatcher.Result result = dispatcher.dispatch(List.of(good, foreign, good));
        assertThat(result.published()).isEqualTo(1);
        assertThat(result.failure()).get().extracting(Dispatcher.Failure::event).isEqualTo(foreign);
        assertThat(result.failure().get().error()).hasMessageContaining("no event store named 'unknown-store'");
        assertThat(published).hasSize(1);
    }

    @Test
    void aBusFailureFailsTheWholeBatchFromItsFirstEvent() {
        store.append("a", 0, ADDED, new Added(1));
        Dispatcher failing = new Dispatcher(List.of(store), messages -> {
            throw new IllegalStateException("bus down");
        });
        Dispatcher.Result result = failing.dispatch(store.read("a", ReadOptions.ALL));
        assertThat(result.published()).isZero();
        assertThat(result.failure()).isPresent();
    }

    @Test
    void messagesSurviveTheWireFormat() {
        store.append("a", 0, ADDED, new Added(42));
        dispatcher.dispatch(store.read("a", ReadOptions.ALL));
        Message m = published.get(0);
        String json = MessageCodec.toJsonString(m);
        assertThat(json).contains("\"kind\":\"state-carrying\"").contains("\"lastEvent\"").contains("\"aggregate\"");
        assertThat(MessageCodec.fromJson(json)).isEqualTo(m);
    }
}
