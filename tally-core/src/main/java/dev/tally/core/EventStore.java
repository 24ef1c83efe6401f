package dev.tally.core;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.command.Command;
import dev.tally.core.command.CommandResult;
import dev.tally.core.command.Decision;
import dev.tally.core.command.RetriesExhausted;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.ledger.DuplicateCommand;
import dev.tally.core.ledger.LedgerAdapter;
import dev.tally.core.ledger.LedgerUnavailable;
import dev.tally.core.ledger.OutcomeUnknown;
import dev.tally.core.ledger.VersionConflict;
import dev.tally.core.observe.Observability;
import dev.tally.core.observe.Telemetry;
import dev.tally.core.observe.TraceSpan;
import dev.tally.core.privacy.PersonalData;
import dev.tally.core.privacy.PersonalFields;
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
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
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
 * CommandResult<Account> result = accounts.execute("alice", new Debit(30));
 * // Accepted (events written, the aggregate after them) or Rejected (a typed reason, nothing written)
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
    private final AggregateCache cache;
    private final ReentrantLock[] commandLocks;
    private final PersonalData personalData;

    private EventStore(Builder<S> b) {
        this.definition = b.definition;
        this.ledger = b.ledger;
        this.snapshots = b.snapshots;
        this.snapshotPolicy = b.snapshots == null ? SnapshotPolicy.never() : b.snapshotPolicy;
        this.retryPolicy = b.retryPolicy;
        this.clock = b.clock;
        this.cache = b.cacheSize == 0 ? null : new AggregateCache(b.cacheSize);
        this.commandLocks = b.localCommandLock ? new ReentrantLock[256] : null;
        this.personalData = b.personalData;
        if (commandLocks != null) {
            for (int i = 0; i < commandLocks.length; i++) {
                commandLocks[i] = new ReentrantLock();
            }
        }
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

    /** What a decision on {@code aggregate} may know: its id, its version and this store's clock now. */
    public DecisionContext contextOf(Aggregate<S> aggregate) {
        return new DecisionContext(aggregate.aggregateId(), aggregate.version(), now());
    }

    /** Lists the ids of aggregates that have at least one event. */
    public Page<String> listAggregateIds(PageRequest request) {
        return ledger.listAggregateIds(name(), request);
    }

    // --- writing -----------------------------------------------------------------------------

    /** Builds the stored form of one event record, ready for {@link LedgerAdapter#append} (event groups). */
    public RecordedEvent record(String aggregateId, long version, Object event, EventMetadata metadata) {
        Names.requireAggregateId(aggregateId);
        EventType<?> type = definition.typeOf(event);
        JsonNode json = JsonCodec.toTree(event);
        Optional<PersonalFields> personal = definition.personalFields(type.name());
        if (personal.isPresent()) {
            if (personalData == null) {
                throw new IllegalStateException("event " + type.name() + " of '" + name() + "' has personal fields "
                        + personal.get().fields() + " but this event store has no keys to seal them with: build it with"
                        + " EventStore.builder(...).personalData(new PersonalData(keys)) (the pipelines take"
                        + " .personalData(...) too)");
            }
            json = personalData.seal(aggregateId, personal.get(), (com.fasterxml.jackson.databind.node.ObjectNode) json,
                    name() + "/" + aggregateId + "@" + version);
        }
        return new RecordedEvent(name(), aggregateId, version, type.name(), type.schemaVersion(), now(), json,
                metadata);
    }

    /**
     * Appends event records after {@code expectedVersion} (the version the caller decided on).
     *
     * @throws VersionConflict when another writer appended after {@code expectedVersion}
     */
    public List<RecordedEvent> append(String aggregateId, long expectedVersion, List<?> events,
                                      EventMetadata metadata) {
        if (expectedVersion < 0) {
            throw new IllegalArgumentException("expectedVersion must be >= 0 (0 for a new aggregate), got "
                    + expectedVersion);
        }
        if (events.isEmpty()) {
            return List.of();
        }
        Telemetry telemetry = Observability.telemetry();
        try (TraceSpan span = telemetry.span("tally.append", null)) {
            long started = System.nanoTime();
            try {
                List<RecordedEvent> records = appendTraced(aggregateId, expectedVersion, events,
                        Observability.stamp(metadata));
                telemetry.appended(name(), records.size(), System.nanoTime() - started);
                return records;
            } catch (VersionConflict conflict) {
                telemetry.conflict(name());
                throw conflict;
            } catch (RuntimeException e) {
                span.failed(e);
                throw e;
            }
        }
    }

    private List<RecordedEvent> appendTraced(String aggregateId, long expectedVersion, List<?> events,
                                             EventMetadata metadata) {
        List<RecordedEvent> records = new ArrayList<>(events.size());
        long v = expectedVersion;
        // a command id goes on the first event only (with the count of the command's events): the
        // ledger refuses a second event with the same id in the stream, in the same write
        EventMetadata first = metadata.commandId().isPresent()
                ? metadata.withAttribute(EventMetadata.COMMAND_EVENTS, Integer.toString(events.size())) : metadata;
        EventMetadata rest = metadata.withoutCommandId();
        for (Object event : events) {
            records.add(record(aggregateId, ++v, event, v == expectedVersion + 1 ? first : rest));
        }
        ledger.append(records);
        return records;
    }

    /** Appends one event record after {@code expectedVersion}. */
    public RecordedEvent append(String aggregateId, long expectedVersion, Object event) {
        return append(aggregateId, expectedVersion, List.of(event), EventMetadata.empty()).get(0);
    }

    /** Runs a command with the store's retry policy and no metadata. */
    public CommandResult<S> execute(String aggregateId, Command<S> command) {
        return execute(aggregateId, command, EventMetadata.empty());
    }

    /**
     * Load, decide, append; on a version conflict reload and decide again, up to the retry
     * policy's attempts with jittered backoff. A rejection is returned, never retried.
     *
     * <p>With the aggregate cache on (the default), the first attempt decides on the cached
     * aggregate without reading the ledger: an uncontended command costs one write. This is
     * safe because the append is conditional on nothing having been written after the version
     * decided on; a stale cache costs one refused write and a retry that reads.
     *
     * <p>With a command id ({@link EventMetadata#withCommandId}) the command applies at most once
     * per aggregate: when that id already applied, the result is the original acceptance with the
     * events it wrote, and nothing is appended. The ledger checks the id in the same conditional
     * write as the version, so two racing executions with one id cannot both append.
     *
     * <p>Every outcome is one of three: <b>applied</b> (an {@code Accepted} result), <b>not
     * applied</b> (a {@code Rejected} result, {@link RetriesExhausted}, or {@link LedgerUnavailable}
     * when the ledger could not be read before anything was written: retrying is safe), or
     * <b>unknown</b> ({@link OutcomeUnknown}: retry with the same command id to find out).
     *
     * @throws RetriesExhausted  when every attempt lost the race (nothing was written)
     * @throws LedgerUnavailable when the ledger could not be read (nothing was written)
     * @throws OutcomeUnknown    when the ledger cannot tell whether the append was written and the
     *                           command has no id to find out with (or every attempt ended so)
     */
    public CommandResult<S> execute(String aggregateId, Command<S> command, EventMetadata metadata) {
        Objects.requireNonNull(command, "command");
        return run(aggregateId, aggregate -> definition.decide(command, aggregate.state(), contextOf(aggregate)),
                metadata);
    }

    private CommandResult<S> run(String aggregateId, Function<Aggregate<S>, Decision<?>> decide,
                                 EventMetadata metadata) {
        Names.requireAggregateId(aggregateId);
        if (commandLocks == null) {
            return executeOptimistically(aggregateId, decide, metadata);
        }
        // commands on one aggregate in this process take turns; across processes the ledger's
        // conditional write decides
        ReentrantLock lock =
                commandLocks[Math.floorMod(aggregateId.hashCode(), commandLocks.length)];
        lock.lock();
        try {
            return executeOptimistically(aggregateId, decide, metadata);
        } finally {
            lock.unlock();
        }
    }

    private CommandResult<S> executeOptimistically(String aggregateId, Function<Aggregate<S>, Decision<?>> decide,
                                                   EventMetadata metadata) {
        Random random = ThreadLocalRandom.current();
        String commandId = metadata.commandId().orElse(null);
        RuntimeException last = null;
        for (int attempt = 1; attempt <= retryPolicy.maxAttempts(); attempt++) {
            if (attempt > 1) {
                Observability.telemetry().commandRetry(name());
            }
            try {
                // The first attempt may decide on the cached aggregate without a read: if anything was
                // written since, the conditional append refuses and the next attempt reads. A rejection
                // or a no-op writes nothing to check it, so those are decided again on a fresh read.
                AggregateCache.Entry<S> cached = attempt == 1 && cache != null ? cache.get(name(), aggregateId) : null;
                Loaded<S> loaded = cached != null ? new Loaded<>(cached.aggregate(), cached.snapshotVersion())
                        : loadTracked(aggregateId);
                Aggregate<S> aggregate = loaded.aggregate();
                Decision<?> decision = decide.apply(aggregate);
                if (cached != null && writesNothing(decision)) {
                    loaded = loadTracked(aggregateId);
                    aggregate = loaded.aggregate();
                    decision = decide.apply(aggregate);
                }
                if (commandId != null && writesNothing(decision)) {
                    // decided on a state that may already hold this command's events: answer with them
                    Optional<CommandResult<S>> applied = alreadyApplied(aggregateId, commandId, attempt);
                    if (applied.isPresent()) {
                        return applied.get();
                    }
                }
                if (decision instanceof Decision.Reject<?> reject) {
                    Observability.telemetry().rejected(name());
                    return new CommandResult.Rejected<>(reject.rejection(), aggregate, attempt);
                }
                List<?> pending = ((Decision.Emit<?>) decision).events();
                if (pending.isEmpty()) {
                    return new CommandResult.Accepted<>(aggregate, List.of(), attempt);
                }
                try {
                    List<RecordedEvent> written = append(aggregateId, aggregate.version(), pending, metadata);
                    Aggregate<S> after = fold(aggregate, written);
                    remember(after, loaded.snapshotVersion());
                    maybeSnapshot(loaded.snapshotVersion(), after);
                    return new CommandResult.Accepted<>(after, written, attempt);
                } catch (DuplicateCommand duplicate) {
                    Optional<CommandResult<S>> applied;
                    try {
                        applied = alreadyApplied(aggregateId, commandId, attempt);
                    } catch (LedgerUnavailable unreadable) {
                        // it applied (the ledger said so) but its outcome cannot be read now
                        OutcomeUnknown unknown = new OutcomeUnknown(name(), aggregateId, "command '" + commandId
                                + "' (applied earlier, its result unreadable now)", unreadable);
                        unknown.addSuppressed(duplicate);
                        throw unknown;
                    }
                    if (applied.isPresent()) {
                        return applied.get();
                    }
                    throw new IllegalStateException("the ledger " + ledger.describe() + " refused command '" + commandId
                            + "' on " + name() + "/" + aggregateId + " as a duplicate but holds no event of it", duplicate);
                } catch (OutcomeUnknown unknown) {
                    if (commandId == null) {
                        throw unknown; // without an id, deciding again could apply the command twice
                    }
                    last = unknown;
                    LOG.debug("attempt {} on {}/{}: outcome unknown, checking command {}", attempt, name(), aggregateId,
                            commandId);
                    Optional<CommandResult<S>> applied = lookUpAfterUnknown(aggregateId, commandId, attempt, unknown);
                    if (applied.isPresent()) {
                        return applied.get();
                    }
                    // not written (yet): deciding again is safe, the ledger refuses a second append of this id
                    if (attempt < retryPolicy.maxAttempts()) {
                        sleep(retryPolicy.backoff(attempt, random));
                    }
                } catch (VersionConflict conflict) {
                    last = conflict;
                    LOG.debug("attempt {} on {}/{} lost the race at v{}", attempt, name(), aggregateId,
                            conflict.attemptedVersion());
                    if (attempt < retryPolicy.maxAttempts()) {
                        sleep(retryPolicy.backoff(attempt, random));
                    }
                }
            } catch (LedgerUnavailable unavailable) {
                if (last instanceof OutcomeUnknown unknown) {
                    // an earlier attempt may have written: still unknown, not "not applied"
                    unknown.addSuppressed(unavailable);
                    throw unknown;
                }
                throw unavailable;
            }
        }
        if (last instanceof OutcomeUnknown unknown) {
            throw unknown;
        }
        throw new RetriesExhausted(name(), aggregateId, retryPolicy.maxAttempts(), last);
    }

    private Optional<CommandResult<S>> lookUpAfterUnknown(String aggregateId, String commandId, int attempt,
                                                          OutcomeUnknown unknown) {
        try {
            return alreadyApplied(aggregateId, commandId, attempt);
        } catch (RuntimeException readFailed) {
            unknown.addSuppressed(readFailed);
            throw unknown;
        }
    }

    /** The original acceptance of a command id that already applied to the aggregate, if it did. */
    private Optional<CommandResult<S>> alreadyApplied(String aggregateId, String commandId, int attempt) {
        List<RecordedEvent> events;
        try {
            events = ledger.commandEvents(name(), aggregateId, commandId);
        } catch (TallyException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new LedgerUnavailable(name(), aggregateId, "the events of command '" + commandId + "'", e);
        }
        if (events.isEmpty()) {
            return Optional.empty();
        }
        // the aggregate right after the command, as the first execution answered
        Aggregate<S> after = loadAt(aggregateId, events.get(events.size() - 1).version());
        return Optional.of(new CommandResult.Accepted<>(after, events, attempt));
    }

    /**
     * Appends the replay event to an aggregate's stream: its state stays as it is, its version
     * moves on, and every projector receives the current state again.
     *
     * @throws InvalidEventException when the aggregate has no events
     */
    public RecordedEvent requestReplay(String aggregateId, String reason) {
        return requestReplay(aggregateId, reason, EventMetadata.empty());
    }

    /**
     * {@link #requestReplay(String, String)} with the metadata of whoever asked (its correlation
     * and causation ids); the actor is {@code tally-replay} unless the metadata names one.
     */
    public RecordedEvent requestReplay(String aggregateId, String reason, EventMetadata metadata) {
        EventMetadata m = metadata.actor() == null ? metadata.withActor("tally-replay") : metadata;
        CommandResult<S> result = run(aggregateId, aggregate -> aggregate.exists()
                ? Decision.emit(new ReplayRequested(reason == null ? "" : reason))
                : Decision.reject("not_found", "no events"), m);
        if (result instanceof CommandResult.Accepted<S> accepted) {
            return accepted.events().get(0);
        }
        throw new InvalidEventException("cannot replay " + name() + "/" + aggregateId + ": it has no events;"
                + " check the store name and the aggregate id");
    }

    // --- personal data ----------------------------------------------------------------------------

    /** The sealer and revealer of personal fields, when this store has keys. */
    public Optional<PersonalData> personalData() {
        return Optional.ofNullable(personalData);
    }

    /**
     * Forgets the personal data of an aggregate: destroys the data key of every subject whose
     * sealed values its stream holds (in the key store and in this process's key cache), then
     * appends the audit event {@link PersonalDataForgotten}, which reducers ignore and which makes
     * every projector refresh the aggregate's views. Sealed values in events, states, snapshots,
     * messages, views and dead letters stay sealed forever after; reading them gives a placeholder.
     * Running it again is harmless (it appends another audit event).
     *
     * @return the audit event
     * @throws InvalidEventException when the aggregate has no events
     */
    public RecordedEvent forget(String aggregateId) {
        if (personalData == null) {
            throw new IllegalStateException("event store '" + name() + "' has no keys (build it with"
                    + " .personalData(...)), so it holds no sealed personal data to forget");
        }
        List<RecordedEvent> stream = read(aggregateId, ReadOptions.ALL);
        if (stream.isEmpty()) {
            throw new InvalidEventException("cannot forget " + name() + "/" + aggregateId + ": it has no events;"
                    + " check the store name and the aggregate id");
        }
        java.util.Set<String> subjects = new java.util.TreeSet<>();
        for (RecordedEvent e : stream) {
            subjects.addAll(PersonalData.subjectsIn(e.payload()));
        }
        // the keys go first: a crash after this point has already forgotten; the audit event follows
        subjects.forEach(personalData.keys()::forget);
        CommandResult<S> result = run(aggregateId, aggregate -> Decision.emit(
                new PersonalDataForgotten(List.copyOf(subjects))), EventMetadata.empty().withActor("tally-forget"));
        LOG.info("forgot the personal data of {}/{} ({} subject(s))", name(), aggregateId, subjects.size());
        return ((CommandResult.Accepted<S>) result).events().get(0);
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

    /** A loaded aggregate and the version of its newest known snapshot (0: none). */
    private record Loaded<S>(Aggregate<S> aggregate, long snapshotVersion) {
    }

    private static boolean writesNothing(Decision<?> d) {
        return d instanceof Decision.Reject<?> || ((Decision.Emit<?>) d).events().isEmpty();
    }

    private Loaded<S> loadTracked(String aggregateId) {
        Loaded<S> loaded = loadFrom(aggregateId, Long.MAX_VALUE);
        maybeSnapshot(loaded.snapshotVersion(), loaded.aggregate());
        return loaded;
    }

    private Loaded<S> loadFrom(String aggregateId, long maxVersion) {
        Names.requireAggregateId(aggregateId);
        Aggregate<S> base = new Aggregate<>(aggregateId, 0, definition.initialState());
        long snapshotVersion = 0;
        AggregateCache.Entry<S> cached = cache == null ? null : cache.get(name(), aggregateId);
        if (cached != null && cached.aggregate().version() <= maxVersion) {
            // exact as of its version, forever (the ledger is append-only): fold only what came after
            base = cached.aggregate();
            snapshotVersion = cached.snapshotVersion();
        } else if (snapshots != null && maxVersion > 0) {
            Optional<Snapshot> latest;
            try {
                latest = snapshots.latest(name(), aggregateId, definition.reducerVersion(), maxVersion);
            } catch (TallyException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new LedgerUnavailable(name(), aggregateId, "the latest snapshot", e);
            }
            Optional<Aggregate<S>> fromSnapshot = latest.flatMap(this::restore);
            if (fromSnapshot.isPresent()) {
                base = fromSnapshot.get();
                snapshotVersion = base.version();
            }
        }
        List<RecordedEvent> events;
        try {
            events = base.version() >= maxVersion ? List.of()
                    : ledger.read(name(), aggregateId, new ReadOptions(base.version() + 1, maxVersion, false,
                    Integer.MAX_VALUE));
        } catch (TallyException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new LedgerUnavailable(name(), aggregateId, "the events after v" + base.version(), e);
        }
        Aggregate<S> loaded = fold(base, events);
        remember(loaded, snapshotVersion);
        return new Loaded<>(loaded, snapshotVersion);
    }

    private void remember(Aggregate<S> aggregate, long snapshotVersion) {
        if (cache != null && aggregate.exists()) {
            cache.put(name(), aggregate, snapshotVersion);
        }
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

    private void maybeSnapshot(long snapshotVersion, Aggregate<S> aggregate) {
        if (snapshots == null || !aggregate.exists()
                || !snapshotPolicy.shouldSnapshot(snapshotVersion, aggregate.version())) {
            return;
        }
        try {
            snapshots.save(snapshotOf(aggregate));
            remember(aggregate, aggregate.version());
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
        private int cacheSize = 1000;
        private boolean localCommandLock = true;
        private PersonalData personalData;

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

        /**
         * Keeps up to {@code aggregates} recently loaded aggregates in memory (default 1000), so a
         * load reads only the events after the cached version; 0 turns the cache off.
         */
        public Builder<S> cache(int aggregates) {
            if (aggregates < 0) {
                throw new IllegalArgumentException("cache size must be >= 0, got " + aggregates);
            }
            this.cacheSize = aggregates;
            return this;
        }

        /**
         * Whether commands on the same aggregate in this process take turns (default true). They
         * would conflict anyway; taking turns spares the wasted writes and the retries. Turn it off
         * to let commands race, e.g. to exercise optimistic concurrency in a test.
         */
        public Builder<S> localCommandLock(boolean on) {
            this.localCommandLock = on;
            return this;
        }

        /** The keys that seal the personal fields the definition declares (needed to append such events). */
        public Builder<S> personalData(PersonalData personalData) {
            this.personalData = personalData;
            return this;
        }

        public EventStore<S> build() {
            return new EventStore<>(this);
        }
    }
}
