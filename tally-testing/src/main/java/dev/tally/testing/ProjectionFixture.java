package dev.tally.testing;

import dev.tally.core.AggregateDefinition;
import dev.tally.core.EventMetadata;
import dev.tally.core.EventStore;
import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.memory.InMemoryLedger;
import dev.tally.core.runtime.Dispatcher;
import dev.tally.core.message.Message;
import dev.tally.core.message.MessageHandler;
import dev.tally.core.message.StateCarryingMessage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Given events, deliver the state-carrying messages they produce to a projector in the worst
 * order (shuffled, with duplicates), then check the view. Proves a projector is idempotent and
 * order-proof without a bus.
 *
 * <pre>{@code
 * ProjectionFixture.of(BankAccount.DEFINITION)
 *     .given("alice", new Credited(100))
 *     .given("alice", new Debited(30))
 *     .deliverChaotically(balanceProjector, 42);
 * assertEquals(70, balances.read("alice").orElseThrow().view());
 * }</pre>
 */
public final class ProjectionFixture<S> {
    private final EventStore<S> store;
    private final Dispatcher dispatcher;

    private ProjectionFixture(AggregateDefinition<S> definition) {
        this.store = EventStore.builder(definition, new InMemoryLedger()).build();
        this.dispatcher = new Dispatcher(List.of(store), messages -> { });
    }

    public static <S> ProjectionFixture<S> of(AggregateDefinition<S> definition) {
        return new ProjectionFixture<>(definition);
    }

    /** Events of one aggregate, appended after what it has. */
    public ProjectionFixture<S> given(String aggregateId, Object... events) {
        long head = store.load(aggregateId).version();
        store.append(aggregateId, head, List.of(events), EventMetadata.empty());
        return this;
    }

    /** The replay event on one aggregate. */
    public ProjectionFixture<S> givenReplay(String aggregateId) {
        store.requestReplay(aggregateId, "fixture");
        return this;
    }

    /** Every message the given events produce, in ledger order (of every aggregate when none is named). */
    public List<StateCarryingMessage> messages(String... aggregateIds) {
        List<String> ids = aggregateIds.length > 0 ? List.of(aggregateIds) : allIds();
        List<StateCarryingMessage> out = new ArrayList<>();
        for (String id : ids) {
            for (RecordedEvent e : store.read(id, ReadOptions.ALL)) {
                out.add(dispatcher.messageFor(e));
            }
        }
        return out;
    }

    /** Delivers every message in order, once. */
    public void deliverInOrder(MessageHandler projector, String... aggregateIds) throws Exception {
        for (Message m : messages(aggregateIds)) {
            projector.handle(m);
        }
    }

    /** Delivers every message at least once, some twice, in a shuffled order fixed by {@code seed}. */
    public void deliverChaotically(MessageHandler projector, long seed, String... aggregateIds) throws Exception {
        Random random = new Random(seed);
        List<Message> deliveries = new ArrayList<>(messages(aggregateIds));
        int n = deliveries.size();
        for (int i = 0; i < n; i++) {
            if (random.nextInt(3) == 0) {
                deliveries.add(deliveries.get(i));
            }
        }
        Collections.shuffle(deliveries, random);
        for (Message m : deliveries) {
            projector.handle(m);
        }
    }

    private List<String> allIds() {
        List<String> ids = new ArrayList<>();
        PageRequest request = PageRequest.first(1000);
        while (true) {
            Page<String> page = store.listAggregateIds(request);
            ids.addAll(page.items());
            if (page.isLast()) {
                return ids;
            }
            request = request.next(page.nextCursor());
        }
    }

    public EventStore<S> store() {
        return store;
    }
}
