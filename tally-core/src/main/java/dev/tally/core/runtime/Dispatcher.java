package dev.tally.core.runtime;

import dev.tally.core.spi.ClaimResolver;
import dev.tally.core.message.Message;
import dev.tally.core.spi.MessageBus;
import dev.tally.core.message.MessageKind;
import dev.tally.core.message.NotificationMessage;
import dev.tally.core.message.StateCarryingMessage;
import dev.tally.core.Aggregate;
import dev.tally.core.internal.AggregateCache;
import dev.tally.core.EventStore;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.observe.Observability;
import dev.tally.core.spi.Telemetry;
import dev.tally.core.spi.TraceSpan;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns newly stored events (from a change feed: DynamoDB Streams, a catch-up subscription, the
 * in-memory ledger) into state-carrying messages and publishes them.
 *
 * <p>For each event it computes the aggregate <em>as of that event's version</em>, never "the
 * latest", so a late or redelivered event carries the state that was true at that event. It keeps
 * the aggregates it computed in a bounded cache: the next event of the same aggregate is then one
 * fold step (a change feed delivers each aggregate's events in order), and only a redelivered or
 * out-of-order event needs a load (snapshot at or before its version, then fold).
 */
public final class Dispatcher implements ClaimResolver {
    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);

    private final Map<String, EventStore<?>> stores = new HashMap<>();
    private final MessageBus bus;
    private final AggregateCache cache = new AggregateCache(10_000);
    private final AtomicLong dispatched = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();

    public Dispatcher(Collection<? extends EventStore<?>> stores, MessageBus bus) {
        for (EventStore<?> s : stores) {
            if (this.stores.put(s.name(), s) != null) {
                throw new IllegalArgumentException("two event stores named '" + s.name() + "'");
            }
        }
        this.bus = Objects.requireNonNull(bus, "bus");
    }

    /** What happened to a batch: how many events were published, and the first failure if any. */
    public record Result(int published, Optional<Failure> failure) {
        public boolean ok() {
            return failure.isEmpty();
        }
    }

    /** The first event that could not be dispatched; it and everything after it must be retried. */
    public record Failure(RecordedEvent event, Exception error) {
    }

    /**
     * Dispatches a batch in order. Events before the first failure are published; the failure
     * and what follows are reported, not published, so the caller can retry from there
     * (the shape of Lambda's partial batch response).
     */
    public Result dispatch(List<RecordedEvent> events) {
        Telemetry telemetry = Observability.telemetry();
        long started = System.nanoTime();
        List<Message> messages = new ArrayList<>(events.size());
        Failure failure = null;
        for (RecordedEvent e : events) {
            // each event's span continues the trace of the request that wrote it
            try (TraceSpan span = telemetry.span("tally.dispatch", Observability.traceparentOf(e.metadata()))) {
                try {
                    messages.add(messageFor(e));
                } catch (Exception ex) {
                    span.failed(ex);
                    failure = new Failure(e, ex);
                    break;
                }
            }
        }
        if (!messages.isEmpty()) {
            try (TraceSpan span = telemetry.batchSpan("tally.publish", traceparents(messages))) {
                try {
                    bus.publish(messages);
                } catch (Exception ex) {
                    span.failed(ex);
                    failures.incrementAndGet();
                    LOG.warn("publishing {} message(s) failed: {}", messages.size(), ex.toString());
                    return new Result(0, Optional.of(new Failure(events.get(0), ex)));
                }
            }
            telemetry.dispatched(messages.size(), System.nanoTime() - started);
        }
        dispatched.addAndGet(messages.size());
        if (failure != null) {
            failures.incrementAndGet();
            LOG.warn("cannot dispatch {}: {}", failure.event().coordinates(), failure.error().toString());
        }
        return new Result(messages.size(), Optional.ofNullable(failure));
    }

    private static List<String> traceparents(List<Message> messages) {
        if (Observability.telemetry() == Telemetry.NONE) {
            return List.of();
        }
        List<String> out = new ArrayList<>(messages.size());
        for (Message m : messages) {
            String tp = Observability.traceparentOf(m.event().metadata());
            if (tp != null) {
                out.add(tp);
            }
        }
        return out;
    }

    /** The state-carrying message for one event, as of its version. */
    public StateCarryingMessage messageFor(RecordedEvent e) {
        EventStore<?> store = stores.get(e.store());
        if (store == null) {
            throw new IllegalStateException("no event store named '" + e.store() + "' is registered with the"
                    + " dispatcher (it knows " + stores.keySet() + "): add it to the Dispatcher's stores");
        }
        return build(store, e);
    }

    private <S> StateCarryingMessage build(EventStore<S> store, RecordedEvent e) {
        AggregateCache.Entry<S> cached = cache.get(e.store(), e.aggregateId());
        Aggregate<S> aggregate;
        if (cached != null && cached.aggregate().version() < e.version()) {
            Aggregate<S> previous = cached.aggregate();
            List<RecordedEvent> missing = previous.version() == e.version() - 1 ? List.of()
                    : store.read(e.aggregateId(), ReadOptions.range(previous.version() + 1, e.version() - 1));
            List<RecordedEvent> steps = new ArrayList<>(missing);
            steps.add(e);
            aggregate = store.fold(previous, steps);
        } else {
            aggregate = store.loadAt(e.aggregateId(), e.version());
        }
        if (aggregate.version() != e.version()) {
            throw new IllegalStateException("the ledger has " + e.store() + "/" + e.aggregateId() + " only up to v"
                    + aggregate.version() + " but the change feed delivered v" + e.version()
                    + ": the feed and the ledger are not the same table, or reads are not consistent");
        }
        cache.put(e.store(), aggregate, 0);
        return new StateCarryingMessage(e, store.stateToJson(aggregate.state()));
    }

    /** Resolves a claim check from the ledger: the event at that version and the aggregate as of it. */
    @Override
    public Message resolve(MessageKind kind, String store, String aggregateId, long version) {
        EventStore<?> s = stores.get(store);
        if (s == null) {
            throw new IllegalStateException("cannot resolve a claim check of store '" + store + "': not registered"
                    + " with this dispatcher (it knows " + stores.keySet() + ")");
        }
        List<RecordedEvent> events = s.read(aggregateId, ReadOptions.range(version, version));
        if (events.isEmpty()) {
            throw new IllegalStateException("claim check " + store + "/" + aggregateId + "@" + version
                    + " names an event the ledger does not have: is the receiver reading another ledger?");
        }
        RecordedEvent e = events.get(0);
        return kind == MessageKind.NOTIFICATION ? new NotificationMessage(e) : messageFor(e);
    }

    public long dispatchedCount() {
        return dispatched.get();
    }

    public long failureCount() {
        return failures.get();
    }

    public Collection<EventStore<?>> stores() {
        return stores.values();
    }
}
