package dev.tally.core;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.command.Command;
import dev.tally.core.command.CommandResult;
import dev.tally.core.command.Decision;
import dev.tally.core.command.PendingEvent;
import dev.tally.core.command.RetriesExhausted;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.ledger.LedgerAdapter;
import dev.tally.core.ledger.VersionConflict;
import dev.tally.core.snapshot.Snapshot;
import dev.tally.core.snapshot.SnapshotPolicy;
import dev.tally.core.snapshot.SnapshotStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One kind of aggregate over a ledger: read streams, load aggregates (from a snapshot when there
 * is one), append with an expected version, and run commands that retry on version conflicts.
 *
 * <pre>{@code
 * EventStore<Account> accounts = EventStore.builder(ACCOUNT, ledger)
 *     .snapshots(snapshotStore, SnapshotPolicy.everyNEvents(100))
 *     .build();
 * CommandResult<Account> result = accounts.execute("alice", account -> account.state().balance() >= 30
 *     ? Decision.emit(DEBITED, new Debited(30))
 *     : Decision.reject("insufficient_funds", "balance is " + account.state().balance()));
 * }</pre>
 */
public final class EventStore<S> {
    private static final Logger LOG = LoggerFactory.getLogger(EventStore.class);

    private final AggregateDefinition<S> definition;
    private final LedgerAdapter ledger;
    private final SnapshotStore snapshots;
    private final SnapshotPolicy snapshotPolicy;
    private final RetryPolicy retryPolicy;
    private final Clock clock;

    private EventStore(Builder<S> b) {
        this.definition = b.definition;
        this.ledger = b.ledger;
        this.snapshots = b.snapshots;
        this.snapshotPolicy = b.snapshots == null ? SnapshotPolicy.never() : b.snapshotPolicy;
        this.retryPolicy = b.retryPolicy;
        this.clock = b.clock;
    }

    public static <S> Builder<S> builder(AggregateDefinition<S> definition, LedgerAdapter ledger) {
        return new Builder<>(definition, ledger);
    }

    /** The store's name: the aggregate definition's name. */
    public String name() {
        return definition.name();
    }

    public AggregateDefinition<S> definition() {
        return definition;
    }

    public LedgerAdapter ledger() {
        return ledger;
    }

    public Optional<SnapshotStore> snapshotStore() {
        return Optional.ofNullable(snapshots);
    }

    // --- reading -----------------------------------------------------------------------------

    /** Part of one stream as stored (payloads at their stored schema version). */
    public List<RecordedEvent> read(String aggregateId, ReadOptions options) {
        Names.requireAggregateId(aggregateId);
        if (options.isEmptyRange()) {
            return List.of();
        }
        return ledger.read(name(), aggregateId, options);
    }

    /** Part of one stream, decoded and upcast. */
    public List<Event<?>> events(String aggregateId, ReadOptions options) {
        List<Event<?>> out = new ArrayList<>();
        for (RecordedEvent e : read(aggregateId, options)) {
            out.add(definition.decode(e));
        }
        return out;
    }

    public List<Event<?>> events(String aggregateId) {
        return events(aggregateId, ReadOptions.ALL);
    }

    /** The aggregate as of its latest event (version 0 and the initial state when it has none). */
    public Aggregate<S> load(String aggregateId) {
        return loadTracked(aggregateId).aggregate();
    }

    /**
     * The aggregate as of {@code version}: the state right after that event, whatever was written
     * later. Asking beyond the head gives the head.
     */
    public Aggregate<S> loadAt(String aggregateId, long version) {
        if (version < 0) {
            throw new IllegalArgumentException("version must be >= 0, got " + version);
        }
        return loadFrom(aggregateId, version).aggregate();
    }

    /** Folds stored events onto an aggregate; the events must continue its version. */
    public Aggregate<S> fold(Aggregate<S> start, List<RecordedEvent> events) {
        S state = start.state();
        long version = start.version();
        for (RecordedEvent e : events) {
            if (!e.store().equals(name()) || !e.aggregateId().equals(start.aggregateId())) {
                throw new IllegalArgumentException("cannot fold " + e.coordinates() + " into " + name() + "/"
                        + start.aggregateId());
            }
            if (e.version() != version + 1) {
                throw new IllegalStateException("stream " + name() + "/" + start.aggregateId() + " is not contiguous:"
                        + " expected version " + (version + 1) + ", read " + e.version()
                        + ". The ledger adapter returned events out of order or with a hole");
            }
            state = definition.evolve(state, definition.decode(e));
            version = e.version();
        }
        return new Aggregate<>(start.aggregateId(), version, state);
    }

    /** Lists the ids of aggregates that have at least one event. */
    public Page<String> listAggregateIds(PageRequest request) {
        return ledger.listAggregateIds(name(), request);
    }

    // --- writing -----------------------------------------------------------------------------

    /** Builds the stored form of one event, ready for {@link LedgerAdapter#append} (event groups). */
    public <P> RecordedEvent record(String aggregateId, long version, EventType<P> type, P payload,
                                    EventMetadata metadata) {
        Names.requireAggregateId(aggregateId);
        if (!definition.knows(type)) {
            throw new InvalidEventException("event type " + type + " is not registered on '" + name()
                    + "': add .on(" + type.name() + ", ...) to its AggregateDefinition");
        }
        if (!type.payloadType().isInstance(payload)) {
            throw new InvalidEventException("payload of " + type.name() + " must be a " + type.payloadType().getName()
                    + ", got " + (payload == null ? "null" : payload.getClass().getName()));
        }
        JsonNode json = JsonCodec.toTree(payload);
        return new RecordedEvent(name(), aggregateId, version, type.name(), type.schemaVersion(), now(), json,
                metadata);
    }

    /**
     * Appends events after {@code expectedVersion} (the version the caller decided on).
     *
     * @throws VersionConflict when another writer appended after {@code expectedVersion}
     */
    public List<RecordedEvent> append(String aggregateId, long expectedVersion, List<PendingEvent<?>> events,
                                      EventMetadata metadata) {
        if (expectedVersion < 0) {
            throw new IllegalArgumentException("expectedVersion must be >= 0 (0 for a new aggregate), got "
                    + expectedVersion);
        }
        if (events.isEmpty()) {
            return List.of();
        }
        List<RecordedEvent> records = new ArrayList<>(events.size());
        long v = expectedVersion;
        for (PendingEvent<?> p : events) {
            records.add(recordPending(aggregateId, ++v, p, metadata));
        }
        ledger.append(records);
        return records;
    }

    public <P> RecordedEvent append(String aggregateId, long expectedVersion, EventType<P> type, P payload) {
        return append(aggregateId, expectedVersion, List.of(PendingEvent.of(type, payload)), EventMetadata.empty())
                .get(0);
    }

    private <P> RecordedEvent recordPending(String aggregateId, long version, PendingEvent<P> p, EventMetadata md) {
        return record(aggregateId, version, p.type(), p.payload(), md);
    }

    /** Runs a command with the store's retry policy and no metadata. */
    public CommandResult<S> execute(String aggregateId, Command<S> command) {
        return execute(aggregateId, command, EventMetadata.empty());
    }

    /**
     * Load, decide, append; on a version conflict reload and decide again, up to the retry
     * policy's attempts with jittered backoff. A rejection is returned, never retried.
     *
     * @throws RetriesExhausted when every attempt lost the race
     */
    public CommandResult<S> execute(String aggregateId, Command<S> command, EventMetadata metadata) {
        Objects.requireNonNull(command, "command");
        Names.requireAggregateId(aggregateId);
        Random random = ThreadLocalRandom.current();
        VersionConflict last = null;
        for (int attempt = 1; attempt <= retryPolicy.maxAttempts(); attempt++) {
            Loaded<S> loaded = loadTracked(aggregateId);
            Aggregate<S> aggregate = loaded.aggregate();
            Decision decision = command.decide(aggregate);
            if (decision instanceof Decision.Reject reject) {
                return new CommandResult.Rejected<>(reject.rejection(), aggregate, attempt);
            }
            List<PendingEvent<?>> pending = ((Decision.Emit) decision).events();
            if (pending.isEmpty()) {
                return new CommandResult.Accepted<>(aggregate, List.of(), attempt);
            }
            try {
                List<RecordedEvent> written = append(aggregateId, aggregate.version(), pending, metadata);
                Aggregate<S> after = fold(aggregate, written);
                maybeSnapshot(loaded.baseVersion(), after);
                return new CommandResult.Accepted<>(after, written, attempt);
            } catch (VersionConflict conflict) {
                last = conflict;
                LOG.debug("attempt {} on {}/{} lost the race at v{}", attempt, name(), aggregateId,
                        conflict.attemptedVersion());
                if (attempt < retryPolicy.maxAttempts()) {
                    sleep(retryPolicy.backoff(attempt, random));
                }
            }
        }
        throw new RetriesExhausted(name(), aggregateId, retryPolicy.maxAttempts(), last);
    }

    /**
     * Appends the replay event to an aggregate's stream: its state stays as it is, its version
     * moves on, and every projector receives the current state again.
     *
     * @throws InvalidEventException when the aggregate has no events
     */
    public RecordedEvent requestReplay(String aggregateId, String reason) {
        CommandResult<S> result = execute(aggregateId, aggregate -> {
            if (!aggregate.exists()) {
                return Decision.reject("not_found", "no events");
            }
            return Decision.emit(ReplayRequested.TYPE, new ReplayRequested(reason == null ? "" : reason));
        }, EventMetadata.empty().withActor("tally-replay"));
        if (result instanceof CommandResult.Accepted<S> accepted) {
            return accepted.events().get(0);
        }
        throw new InvalidEventException("cannot replay " + name() + "/" + aggregateId + ": it has no events;"
                + " check the store name and the aggregate id");
    }

    // --- state and snapshots -----------------------------------------------------------------

    public JsonNode stateToJson(S state) {
        return JsonCodec.toTree(state);
    }

    public S stateFromJson(JsonNode json) {
        return JsonCodec.fromTree(json, definition.stateType());
    }

    /** Takes a snapshot of the aggregate now, whatever the policy says; empty when it has no events. */
    public Optional<Snapshot> takeSnapshot(String aggregateId) {
        if (snapshots == null) {
            throw new IllegalStateException("event store '" + name() + "' has no snapshot store: configure one with"
                    + " EventStore.builder(...).snapshots(store, policy)");
        }
        Aggregate<S> aggregate = load(aggregateId);
        if (!aggregate.exists()) {
            return Optional.empty();
        }
        Snapshot s = snapshotOf(aggregate);
        snapshots.save(s);
        return Optional.of(s);
    }

    public Snapshot snapshotOf(Aggregate<S> aggregate) {
        return new Snapshot(name(), aggregate.aggregateId(), aggregate.version(), definition.reducerVersion(),
                stateToJson(aggregate.state()), now());
    }

    private record Loaded<S>(Aggregate<S> aggregate, long baseVersion) {
    }

    private Loaded<S> loadTracked(String aggregateId) {
        Loaded<S> loaded = loadFrom(aggregateId, Long.MAX_VALUE);
        maybeSnapshot(loaded.baseVersion(), loaded.aggregate());
        return loaded;
    }

    private Loaded<S> loadFrom(String aggregateId, long maxVersion) {
        Names.requireAggregateId(aggregateId);
        Aggregate<S> base = new Aggregate<>(aggregateId, 0, definition.initialState());
        if (snapshots != null && maxVersion > 0) {
            base = snapshots.latest(name(), aggregateId, definition.reducerVersion(), maxVersion)
                    .flatMap(this::restore)
                    .orElse(base);
        }
        List<RecordedEvent> events = base.version() >= maxVersion ? List.of()
                : ledger.read(name(), aggregateId, new ReadOptions(base.version() + 1, maxVersion, false,
                Integer.MAX_VALUE));
        return new Loaded<>(fold(base, events), base.version());
    }

    private Optional<Aggregate<S>> restore(Snapshot s) {
        try {
            return Optional.of(new Aggregate<>(s.aggregateId(), s.version(), stateFromJson(s.state())));
        } catch (RuntimeException e) {
            LOG.warn("ignoring snapshot of {}/{} at v{}: its state no longer reads as {} ({}). Bump the reducer"
                            + " version when the state's shape changes", name(), s.aggregateId(), s.version(),
                    definition.stateType().getSimpleName(), e.getMessage());
            return Optional.empty();
        }
    }

    private void maybeSnapshot(long baseVersion, Aggregate<S> aggregate) {
        if (snapshots == null || !aggregate.exists() || !snapshotPolicy.shouldSnapshot(baseVersion, aggregate.version())) {
            return;
        }
        try {
            snapshots.save(snapshotOf(aggregate));
        } catch (RuntimeException e) {
            // a snapshot is an optimisation: failing to take one must not fail the command
            LOG.warn("could not save snapshot of {}/{} at v{}: {}", name(), aggregate.aggregateId(),
                    aggregate.version(), e.toString());
        }
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

    private static void sleep(Duration d) {
        if (d.isZero()) {
            return;
        }
        try {
            Thread.sleep(d.toMillis(), (int) (d.toNanos() % 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while backing off", e);
        }
    }

    public static final class Builder<S> {
        private final AggregateDefinition<S> definition;
        private final LedgerAdapter ledger;
        private SnapshotStore snapshots;
        private SnapshotPolicy snapshotPolicy = SnapshotPolicy.never();
        private RetryPolicy retryPolicy = RetryPolicy.DEFAULT;
        private Clock clock = Clock.systemUTC();

        private Builder(AggregateDefinition<S> definition, LedgerAdapter ledger) {
            this.definition = Objects.requireNonNull(definition, "definition");
            this.ledger = Objects.requireNonNull(ledger, "ledger");
        }

        public Builder<S> snapshots(SnapshotStore store, SnapshotPolicy policy) {
            this.snapshots = Objects.requireNonNull(store, "store");
            this.snapshotPolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        public Builder<S> retryPolicy(RetryPolicy policy) {
            this.retryPolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        public Builder<S> clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public EventStore<S> build() {
            return new EventStore<>(this);
        }
    }
}
