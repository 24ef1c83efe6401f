package dev.tally.core;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.command.Command;
import dev.tally.core.command.CommandResult;
import dev.tally.core.command.RetriesExhausted;
import dev.tally.core.internal.AggregateCache;
import dev.tally.core.internal.Names;
import dev.tally.core.spi.LedgerAdapter;
import dev.tally.core.ledger.LedgerUnavailable;
import dev.tally.core.ledger.OutcomeUnknown;
import dev.tally.core.ledger.VersionConflict;
import dev.tally.core.privacy.PersonalData;
import dev.tally.core.snapshot.Snapshot;
import dev.tally.core.spi.SnapshotStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One kind of aggregate over a ledger: read streams, load aggregates (from a snapshot when there
 * is one), append with an expected version, and run commands that retry on version conflicts.
 * A façade over its parts: the loader (snapshots, cache, fold), the writer, the command loop,
 * forgetting and replay requests; its options are set on the {@link EventStoreBuilder}.
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
    private final AggregateDefinition<S> definition;
    private final LedgerAdapter ledger;
    private final SnapshotStore snapshots;
    private final PersonalData personalData;
    private final AggregateLoader<S> loader;
    private final EventWriter<S> writer;
    private final CommandLoop<S> commands;
    private final Forgetting<S> forgetting;
    private final Replays<S> replays;

    EventStore(EventStoreBuilder<S> b) {
        this.definition = b.definition;
        this.ledger = b.ledger;
        this.snapshots = b.snapshots;
        this.personalData = b.personalData;
        this.loader = new AggregateLoader<>(definition, ledger, b.snapshots, b.snapshotPolicy,
                b.cacheSize == 0 ? null : new AggregateCache(b.cacheSize), b.clock);
        this.writer = new EventWriter<>(definition, ledger, personalData, loader);
        this.commands = new CommandLoop<>(definition, ledger, loader, writer, b.retryPolicy, b.localCommandLock);
        this.forgetting = new Forgetting<>(definition.name(), ledger, personalData, commands);
        this.replays = new Replays<>(definition.name(), commands);
    }

    public static <S> EventStoreBuilder<S> builder(AggregateDefinition<S> definition, LedgerAdapter ledger) {
        return new EventStoreBuilder<>(definition, ledger);
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
        return loader.loadTracked(aggregateId).aggregate();
    }

    /**
     * The aggregate as of {@code version}: the state right after that event, whatever was written
     * later. Asking beyond the head gives the head.
     */
    public Aggregate<S> loadAt(String aggregateId, long version) {
        if (version < 0) {
            throw new IllegalArgumentException("version must be >= 0, got " + version);
        }
        return loader.loadFrom(aggregateId, version).aggregate();
    }

    /** Folds stored events onto an aggregate; the events must continue its version. */
    public Aggregate<S> fold(Aggregate<S> start, List<RecordedEvent> events) {
        return loader.fold(start, events);
    }

    /** What a decision on {@code aggregate} may know: its id, its version and this store's clock now. */
    public DecisionContext contextOf(Aggregate<S> aggregate) {
        return new DecisionContext(aggregate.aggregateId(), aggregate.version(), loader.now());
    }

    /** Lists the ids of aggregates that have at least one event. */
    public Page<String> listAggregateIds(PageRequest request) {
        return ledger.listAggregateIds(name(), request);
    }

    // --- writing -----------------------------------------------------------------------------

    /** Builds the stored form of one event record, ready for {@link LedgerAdapter#append} (event groups). */
    public RecordedEvent record(String aggregateId, long version, Object event, EventMetadata metadata) {
        return writer.record(aggregateId, version, event, metadata);
    }

    /**
     * Appends event records after {@code expectedVersion} (the version the caller decided on).
     *
     * @throws VersionConflict when another writer appended after {@code expectedVersion}
     */
    public List<RecordedEvent> append(String aggregateId, long expectedVersion, List<?> events,
                                      EventMetadata metadata) {
        return writer.append(aggregateId, expectedVersion, events, metadata);
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
        return commands.run(aggregateId, aggregate -> definition.decide(command, aggregate.state(),
                contextOf(aggregate)), metadata);
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
        return replays.request(aggregateId, reason, metadata);
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
        return forgetting.forget(aggregateId);
    }

    // --- state and snapshots -----------------------------------------------------------------

    public JsonNode stateToJson(S state) {
        return loader.stateToJson(state);
    }

    public S stateFromJson(JsonNode json) {
        return loader.stateFromJson(json);
    }

    /** Takes a snapshot of the aggregate now, whatever the policy says; empty when it has no events. */
    public Optional<Snapshot> takeSnapshot(String aggregateId) {
        return loader.takeSnapshot(aggregateId);
    }

    public Snapshot snapshotOf(Aggregate<S> aggregate) {
        return loader.snapshotOf(aggregate);
    }
}
