package dev.tally.core;

import dev.tally.core.command.Command;
import dev.tally.core.command.Decision;
import dev.tally.core.command.Rejection;
import dev.tally.core.command.RetriesExhausted;
import dev.tally.core.internal.Names;
import dev.tally.core.ledger.DuplicateCommand;
import dev.tally.core.ledger.GroupTooLarge;
import dev.tally.core.ledger.LedgerUnavailable;
import dev.tally.core.ledger.OutcomeUnknown;
import dev.tally.core.ledger.VersionConflict;
import dev.tally.core.observe.Observability;
import dev.tally.core.runtime.FailurePolicy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One command over several aggregates, decided together and appended in one atomic group: every
 * aggregate gets its events, or none does. Each aggregate's decider decides its own command (in its
 * own {@link DecisionContext}); a {@link Rule} may also read all the loaded states. One refusal
 * refuses the whole group and nothing is appended. When another writer appended to any of the
 * aggregates first, the ledger refuses the group, and it is loaded and decided again as a whole,
 * with the store's backoff, like a single command.
 *
 * <pre>{@code
 * GroupResult r = CommandGroup.of()
 *         .add(accounts, "alice", new Debit(30))      // refused with insufficient_funds when alice has less
 *         .add(accounts, "bob", new Credit(30))
 *         .execute(metadata);
 * }</pre>
 *
 * <p><b>Limits.</b> The stores must share one ledger (one DynamoDB table, one PostgreSQL database).
 * A group writes at most {@value #MAX_ITEMS} items, DynamoDB's TransactWriteItems limit, on every
 * backend (so that a group that passes in memory passes on AWS): each event is one item, each
 * aggregate one more (the check that its previous version exists), and one more with a command id.
 * A larger group is refused with {@link GroupTooLarge} before anything is written. One aggregate
 * appears at most once in a group.
 */
public final class CommandGroup {
    /** DynamoDB's limit of items in one TransactWriteItems, kept on every backend. */
    public static final int MAX_ITEMS = 100;

    private final List<Member<?>> members = new ArrayList<>();
    private final List<Rule> rules = new ArrayList<>();
    private RetryPolicy retryPolicy = RetryPolicy.DEFAULT;

    private CommandGroup() {
    }

    public static CommandGroup of() {
        return new CommandGroup();
    }

    /** A rule across the loaded aggregates: empty when it holds, else the rejection of the whole group. */
    @FunctionalInterface
    public interface Rule {
        Optional<Rejection> check(Loaded aggregates, Instant now);
    }

    /** The aggregates of a group as loaded for one attempt. */
    public static final class Loaded {
        private final Map<String, Aggregate<?>> byKey;

        private Loaded(Map<String, Aggregate<?>> byKey) {
            this.byKey = byKey;
        }

        @SuppressWarnings("unchecked")
        public <S> Aggregate<S> get(EventStore<S> store, String aggregateId) {
            Aggregate<?> a = byKey.get(key(store, aggregateId));
            if (a == null) {
                throw new IllegalArgumentException(store.name() + "/" + aggregateId + " is not in this command group");
            }
            return (Aggregate<S>) a;
        }

        public <S> S state(EventStore<S> store, String aggregateId) {
            return get(store, aggregateId).state();
        }
    }

    /** The outcome of a group: every aggregate's events appended, or none. */
    public sealed interface GroupResult permits Accepted, Rejected {
        default boolean isAccepted() {
            return this instanceof Accepted;
        }
    }

    /** Appended: the events of every aggregate, in the order they were added, and the aggregates after them. */
    public record Accepted(List<Aggregate<?>> aggregates, List<RecordedEvent> events, int attempts)
            implements GroupResult {
        public Accepted {
            aggregates = List.copyOf(aggregates);
            events = List.copyOf(events);
        }
    }

    /** Refused by the decider of {@code store}/{@code aggregateId} (or by a rule: both null); nothing appended. */
    public record Rejected(Rejection rejection, String store, String aggregateId, int attempts)
            implements GroupResult {
    }

    private record Member<S>(EventStore<S> store, String aggregateId, Command<S> command) {
    }

    /** Adds an aggregate and the command its decider decides. */
    public <S> CommandGroup add(EventStore<S> store, String aggregateId, Command<S> command) {
        Objects.requireNonNull(store, "store");
        Names.requireAggregateId(aggregateId);
        Objects.requireNonNull(command, "command");
        if (!members.isEmpty() && members.get(0).store().ledger() != store.ledger()) {
            throw new IllegalArgumentException("store '" + store.name() + "' is on another ledger than '"
                    + members.get(0).store().name() + "': a command group appends atomically on one ledger");
        }
        for (Member<?> m : members) {
            if (key(m.store(), m.aggregateId()).equals(key(store, aggregateId))) {
                throw new IllegalArgumentException(store.name() + "/" + aggregateId + " is in this command group"
                        + " twice: give each aggregate one command");
            }
        }
        members.add(new Member<>(store, aggregateId, command));
        return this;
    }

    /** Adds a rule that reads several of the loaded aggregates. */
    public CommandGroup rule(Rule rule) {
        rules.add(Objects.requireNonNull(rule, "rule"));
        return this;
    }

    /** The retries on a lost race (default {@link RetryPolicy#DEFAULT}). */
    public CommandGroup retryPolicy(RetryPolicy policy) {
        this.retryPolicy = Objects.requireNonNull(policy, "policy");
        return this;
    }

    /**
     * Loads every aggregate, decides, appends the group; on a version conflict does it all again.
     * With a command id ({@link EventMetadata#withCommandId}) the group applies once: a repeated
     * execution answers with the events the first one appended.
     *
     * @throws GroupTooLarge    over {@value #MAX_ITEMS} items (nothing written)
     * @throws RetriesExhausted when every attempt lost the race (nothing written)
     * @throws OutcomeUnknown   when the ledger cannot tell whether the group was written and there is
     *                          no command id to find out with, or when an attempt's outcome was unknown
     *                          and what followed could not settle it (the ledger unreadable, the
     *                          attempts used up)
     */
    public GroupResult execute(EventMetadata metadata) {
        if (members.isEmpty()) {
            throw new IllegalStateException("a command group needs at least one aggregate: add(store, id, command)");
        }
        String commandId = metadata.commandId().orElse(null);
        Member<?> first = members.get(0);
        // another writer got there first: look again; an unknown outcome is looked up by the command
        // id on the next attempt, and without one it ends the command. As in CommandLoop, the first
        // unknown outcome is kept: once an attempt may have written, neither an unreadable ledger nor
        // a lost race (to that very write, still in flight) may be told as "nothing was written".
        OutcomeUnknown[] unknown = {null};
        return FailurePolicy.of(retryPolicy).retry((attempt, last) -> {
            if (unknown[0] == null && last instanceof CommandLoop.Undecided u) {
                unknown[0] = u.unknown;
            }
            try {
                if (commandId != null) {
                    Optional<GroupResult> applied = alreadyApplied(commandId, attempt);
                    if (applied.isPresent()) {
                        return applied.get();
                    }
                }
                GroupResult decided = attempt(metadata, commandId, attempt);
                if (unknown[0] != null && writesNothing(decided)) {
                    // an earlier append may still land: look again, and if it is not there, a rejection
                    // or a no-op now is not the answer
                    Optional<GroupResult> applied = alreadyApplied(commandId, attempt);
                    if (applied.isPresent()) {
                        return applied.get();
                    }
                    throw CommandLoop.unknownOr(unknown[0], new CommandLoop.DecidedWithoutWriting("command group '"
                            + commandId + "'", decided instanceof Rejected r ? r.rejection() : null), () -> null);
                }
                return decided;
            } catch (LedgerUnavailable unavailable) {
                throw CommandLoop.unknownOr(unknown[0], unavailable, () -> unavailable);
            }
        }, e -> e instanceof VersionConflict || e instanceof CommandLoop.Undecided, (last, attempts) -> {
            throw CommandLoop.unknownOr(unknown[0], last, () -> new RetriesExhausted(first.store().name(),
                    first.aggregateId() + " (and the rest of its command group)", attempts, last));
        }, CommandLoop.BACKOFF, ThreadLocalRandom.current());
    }

    private GroupResult attempt(EventMetadata metadata, String commandId, int attempt) {
        Map<String, Aggregate<?>> loaded = new LinkedHashMap<>();
        for (Member<?> m : members) {
            loaded.put(key(m.store(), m.aggregateId()), m.store().load(m.aggregateId()));
        }
        Instant now = contextOf(members.get(0), loaded).now();
        for (Rule rule : rules) {
            Optional<Rejection> refused = rule.check(new Loaded(loaded), now);
            if (refused.isPresent()) {
                return new Rejected(refused.get(), null, null, attempt);
            }
        }
        List<List<?>> decided = new ArrayList<>();
        for (Member<?> m : members) {
            Decision<?> d = decide(m, loaded.get(key(m.store(), m.aggregateId())));
            if (d instanceof Decision.Reject<?> reject) {
                return new Rejected(reject.rejection(), m.store().name(), m.aggregateId(), attempt);
            }
            decided.add(((Decision.Emit<?>) d).events());
        }
        List<RecordedEvent> records = records(loaded, decided, metadata);
        if (records.isEmpty()) {
            return accepted(loaded, records, attempt);
        }
        try {
            members.get(0).store().ledger().append(records);
        } catch (DuplicateCommand duplicate) {
            // it applied before (another execution with this id landed after the look-up): answer
            // with that, as a single command does, on any attempt, the last one included
            return duplicateOutcome(commandId, attempt, duplicate);
        } catch (OutcomeUnknown outcomeUnknown) {
            if (commandId == null) {
                throw outcomeUnknown;
            }
            throw new CommandLoop.Undecided(outcomeUnknown); // the next attempt looks it up by the id
        }
        return accepted(loaded, records, attempt);
    }

    private static boolean writesNothing(GroupResult result) {
        return result instanceof Rejected || ((Accepted) result).events().isEmpty();
    }

    private GroupResult duplicateOutcome(String commandId, int attempt, DuplicateCommand duplicate) {
        Member<?> first = members.get(0);
        Optional<GroupResult> applied;
        try {
            applied = alreadyApplied(commandId, attempt);
        } catch (LedgerUnavailable unreadable) {
            // it applied (the ledger said so) but its outcome cannot be read now
            OutcomeUnknown unknown = new OutcomeUnknown(first.store().name(), first.aggregateId(), "command group '"
                    + commandId + "' (applied earlier, its result unreadable now)", unreadable);
            unknown.addSuppressed(duplicate);
            throw unknown;
        }
        return applied.orElseThrow(() -> new IllegalStateException("the ledger " + first.store().ledger().describe()
                + " refused command group '" + commandId + "' on " + first.store().name() + "/" + first.aggregateId()
                + " as a duplicate but holds no event of it", duplicate));
    }

    @SuppressWarnings("unchecked")
    private static <S> Decision<?> decide(Member<S> m, Aggregate<?> aggregate) {
        Aggregate<S> a = (Aggregate<S>) aggregate;
        return m.store().definition().decide(m.command(), a.state(), m.store().contextOf(a));
    }

    @SuppressWarnings("unchecked")
    private static <S> DecisionContext contextOf(Member<S> m, Map<String, Aggregate<?>> loaded) {
        return m.store().contextOf((Aggregate<S>) loaded.get(key(m.store(), m.aggregateId())));
    }

    private List<RecordedEvent> records(Map<String, Aggregate<?>> loaded, List<List<?>> decided,
                                        EventMetadata metadata) {
        int events = 0;
        int streams = 0;
        for (List<?> d : decided) {
            events += d.size();
            streams += d.isEmpty() ? 0 : 1;
        }
        int items = events + streams * (metadata.commandId().isPresent() ? 2 : 1);
        if (items > MAX_ITEMS) {
            throw new GroupTooLarge("this command group needs up to " + items + " items in one transaction (" + events
                    + " events in " + streams + " aggregates, each aggregate also checked" + (metadata.commandId()
                    .isPresent() ? " and its command id recorded" : "") + "), over the limit of " + MAX_ITEMS
                    + " (DynamoDB's TransactWriteItems limit, kept on every backend); nothing was written. Split the"
                    + " command, or rethink the boundary: a rule over this many aggregates belongs in a saga");
        }
        EventMetadata stamped = Observability.stamp(metadata);
        List<RecordedEvent> out = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            out.addAll(recordsOf(members.get(i), loaded, decided.get(i), stamped));
        }
        return out;
    }

    private static <S> List<RecordedEvent> recordsOf(Member<S> m, Map<String, Aggregate<?>> loaded, List<?> events,
                                                     EventMetadata metadata) {
        List<RecordedEvent> out = new ArrayList<>();
        long v = loaded.get(key(m.store(), m.aggregateId())).version();
        // as for one command: the command id goes on the first event of each stream, with its count
        EventMetadata first = metadata.commandId().isPresent()
                ? metadata.withAttribute(EventMetadata.COMMAND_EVENTS, Integer.toString(events.size())) : metadata;
        EventMetadata rest = metadata.withoutCommandId();
        boolean firstOne = true;
        for (Object e : events) {
            out.add(m.store().record(m.aggregateId(), ++v, e, firstOne ? first : rest));
            firstOne = false;
        }
        return out;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private GroupResult accepted(Map<String, Aggregate<?>> loaded, List<RecordedEvent> records, int attempt) {
        List<Aggregate<?>> after = new ArrayList<>();
        for (Member<?> m : members) {
            Aggregate start = loaded.get(key(m.store(), m.aggregateId()));
            List<RecordedEvent> mine = records.stream().filter(e -> e.store().equals(m.store().name())
                    && e.aggregateId().equals(m.aggregateId())).toList();
            after.add(((EventStore) m.store()).fold(start, mine));
        }
        return new Accepted(after, records, attempt);
    }

    /** The group's first execution, when its command id is in the ledger already. */
    private Optional<GroupResult> alreadyApplied(String commandId, int attempt) {
        List<RecordedEvent> events = new ArrayList<>();
        List<Aggregate<?>> after = new ArrayList<>();
        for (Member<?> m : members) {
            List<RecordedEvent> mine = commandEvents(m, commandId);
            events.addAll(mine);
            after.add(mine.isEmpty() ? m.store().load(m.aggregateId())
                    : m.store().loadAt(m.aggregateId(), mine.get(mine.size() - 1).version()));
        }
        return events.isEmpty() ? Optional.empty() : Optional.of(new Accepted(after, events, attempt));
    }

    /** The events of the command id in one member's stream; an adapter's raw failure as {@link LedgerUnavailable}. */
    private static List<RecordedEvent> commandEvents(Member<?> m, String commandId) {
        try {
            return m.store().ledger().commandEvents(m.store().name(), m.aggregateId(), commandId);
        } catch (TallyException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new LedgerUnavailable(m.store().name(), m.aggregateId(), "the events of command '" + commandId
                    + "'", e);
        }
    }

    private static String key(EventStore<?> store, String aggregateId) {
        return store.name() + "\u0000" + aggregateId;
    }
}
