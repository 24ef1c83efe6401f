package dev.tally.core;

import dev.tally.core.command.CommandResult;
import dev.tally.core.command.Decision;
import dev.tally.core.command.Rejection;
import dev.tally.core.command.RetriesExhausted;
import dev.tally.core.internal.AggregateCache;
import dev.tally.core.internal.Names;
import dev.tally.core.ledger.DuplicateCommand;
import dev.tally.core.spi.LedgerAdapter;
import dev.tally.core.ledger.LedgerUnavailable;
import dev.tally.core.ledger.OutcomeUnknown;
import dev.tally.core.ledger.VersionConflict;
import dev.tally.core.observe.Observability;
import dev.tally.core.runtime.FailurePolicy;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The command loop of one store: load (or take the cached aggregate), decide, append after the
 * version decided on; on a version conflict reload, decide again and append again, bounded and
 * jittered by the store's {@link RetryPolicy}. A command id makes it apply once: a duplicate or an
 * unknown outcome is answered with the events the id already wrote. Commands on one aggregate in
 * this process take turns when the local command lock is on.
 *
 * <p>Every way the store changes a stream through a decision (commands, replay requests, the
 * forget audit event) goes through {@link #run}.
 */
final class CommandLoop<S> {
    private static final Logger LOG = LoggerFactory.getLogger(CommandLoop.class);

    private final AggregateDefinition<S> definition;
    private final LedgerAdapter ledger;
    private final AggregateLoader<S> loader;
    private final EventWriter<S> writer;
    /** The store's conflict retry policy, run by the one retry executor. */
    private final FailurePolicy retries;
    private final ReentrantLock[] commandLocks;

    CommandLoop(AggregateDefinition<S> definition, LedgerAdapter ledger, AggregateLoader<S> loader,
                EventWriter<S> writer, RetryPolicy retryPolicy, boolean localCommandLock) {
        this.definition = definition;
        this.ledger = ledger;
        this.loader = loader;
        this.writer = writer;
        this.retries = FailurePolicy.of(retryPolicy);
        this.commandLocks = localCommandLock ? new ReentrantLock[256] : null;
        if (commandLocks != null) {
            for (int i = 0; i < commandLocks.length; i++) {
                commandLocks[i] = new ReentrantLock();
            }
        }
    }

    private String name() {
        return definition.name();
    }

    /** Runs one decision on the aggregate with the store's retry policy (see {@code EventStore.execute}). */
    CommandResult<S> run(String aggregateId, Function<Aggregate<S>, Decision<?>> decide,
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
        String commandId = metadata.commandId().orElse(null);
        // a lost race is retried; so is an unknown outcome of a command with an id once its events are
        // known to be absent (the ledger refuses a second append of that id); every other error ends it.
        // The executor passes only the latest failure, so the first unknown outcome is kept here: once
        // an attempt may have written, no later failure (a lost race to that very write, still in
        // flight; an unreadable ledger) may be reported as "nothing was written".
        OutcomeUnknown[] unknown = {null};
        return retries.retry((attempt, last) -> {
            if (unknown[0] == null && last instanceof Undecided u) {
                unknown[0] = u.unknown;
            }
            return attempt(aggregateId, decide, metadata, commandId, attempt, unknown[0]);
        }, e -> e instanceof VersionConflict || e instanceof Undecided, (last, attempts) -> {
            throw unknownOr(unknown[0], last, () -> new RetriesExhausted(name(), aggregateId, attempts, last));
        }, BACKOFF, ThreadLocalRandom.current());
    }

    /**
     * What running out of attempts (or a failure after an unknown outcome) is reported as: the first
     * unknown outcome of any attempt, with the last failure attached, else {@code exhausted}.
     */
    static RuntimeException unknownOr(OutcomeUnknown earlier, RuntimeException last,
                                      Supplier<RuntimeException> exhausted) {
        RuntimeException lastError = last instanceof Undecided u ? u.unknown : last;
        if (earlier == null) {
            return lastError instanceof OutcomeUnknown unknown ? unknown : exhausted.get();
        }
        if (lastError != null && lastError != earlier) {
            earlier.addSuppressed(lastError);
        }
        return earlier;
    }

    /** An unknown outcome the attempt checked (the command's events are not there): decide again. */
    static final class Undecided extends RuntimeException {
        final OutcomeUnknown unknown;

        Undecided(OutcomeUnknown unknown) {
            super(null, null, false, false);
            this.unknown = unknown;
        }
    }

    /**
     * The context of an unknown outcome that a later decision could not settle: that decision
     * appends nothing (a rejection or a no-op), and the command's events are not found (yet).
     */
    static final class DecidedWithoutWriting extends RuntimeException {
        DecidedWithoutWriting(String what, Rejection rejection) {
            super("after the unknown outcome, " + what + " was decided again and " + (rejection != null
                    ? "rejected (" + rejection.code() + ": " + rejection.message() + ")" : "found nothing to append")
                    + "; its events are not in the ledger yet, but the earlier append may still land", null, false, false);
        }
    }

    /** One attempt: decide on the aggregate and append; throws a lost race or an unknown outcome to retry. */
    private CommandResult<S> attempt(String aggregateId, Function<Aggregate<S>, Decision<?>> decide,
                                     EventMetadata metadata, String commandId, int attempt,
                                     OutcomeUnknown earlierUnknown) {
        if (attempt > 1) {
            Observability.telemetry().commandRetry(name());
        }
        try {
            // The first attempt may decide on the cached aggregate without a read: if anything was
            // written since, the conditional append refuses and the next attempt reads. A rejection
            // or a no-op writes nothing to check it, so those are decided again on a fresh read.
            AggregateCache.Entry<S> cached = attempt == 1 ? loader.cached(aggregateId) : null;
            AggregateLoader.Loaded<S> loaded = cached != null ? new AggregateLoader.Loaded<>(cached.aggregate(), cached.snapshotVersion())
                    : loader.loadTracked(aggregateId);
            Aggregate<S> aggregate = loaded.aggregate();
            Decision<?> decision = decide.apply(aggregate);
            if (cached != null && writesNothing(decision)) {
                loaded = loader.loadTracked(aggregateId);
                aggregate = loaded.aggregate();
                decision = decide.apply(aggregate);
            }
            if (commandId != null && writesNothing(decision)) {
                // decided on a state that may already hold this command's events: answer with them
                Optional<CommandResult<S>> applied = alreadyApplied(aggregateId, commandId, attempt);
                if (applied.isPresent()) {
                    return applied.get();
                }
                if (earlierUnknown != null) {
                    // an earlier append may still land: a rejection or a no-op now is not the answer
                    throw unknownOr(earlierUnknown, new DecidedWithoutWriting("command '" + commandId + "'",
                            decision instanceof Decision.Reject<?> r ? r.rejection() : null), () -> null);
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
                List<RecordedEvent> written = writer.append(aggregateId, aggregate.version(), pending, metadata);
                Aggregate<S> after = loader.fold(aggregate, written);
                loader.changed(after, loaded.snapshotVersion());
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
                    throw unknown;
                }
                LOG.debug("attempt {} on {}/{}: outcome unknown, checking command {}", attempt, name(), aggregateId,
                        commandId);
                Optional<CommandResult<S>> applied = lookUpAfterUnknown(aggregateId, commandId, attempt, unknown);
                if (applied.isPresent()) {
                    return applied.get();
                }
                throw new Undecided(unknown); // not written (yet): deciding again is safe
            } catch (VersionConflict conflict) {
                LOG.debug("attempt {} on {}/{} lost the race at v{}", attempt, name(), aggregateId,
                        conflict.attemptedVersion());
                throw conflict;
            }
        } catch (LedgerUnavailable unavailable) {
            if (earlierUnknown != null) {
                // an earlier attempt may have written: still unknown, not "not applied"
                earlierUnknown.addSuppressed(unavailable);
                throw earlierUnknown;
            }
            throw unavailable;
        }
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
        Aggregate<S> after = loader.loadFrom(aggregateId, events.get(events.size() - 1).version()).aggregate();
        return Optional.of(new CommandResult.Accepted<>(after, events, attempt));
    }

    private static boolean writesNothing(Decision<?> d) {
        return d instanceof Decision.Reject<?> || ((Decision.Emit<?>) d).events().isEmpty();
    }

    /** Sleeps a command's backoff; an interrupt ends the command. */
    static final FailurePolicy.Pause BACKOFF = d -> {
        try {
            Thread.sleep(d.toMillis(), (int) (d.toNanos() % 1_000_000));
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while backing off", e);
        }
    };
}
