package dev.tally.core.saga;

import dev.tally.core.Aggregate;
import dev.tally.core.EventMetadata;
import dev.tally.core.EventStore;
import dev.tally.core.command.Command;
import dev.tally.core.command.CommandResult;
import dev.tally.core.message.Message;
import dev.tally.core.message.MessageFilter;
import dev.tally.core.message.MessageKind;
import dev.tally.core.message.StateCarryingMessage;
import dev.tally.core.runtime.FailurePolicy;
import dev.tally.core.runtime.Pipeline;
import dev.tally.core.runtime.Target;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one {@link Saga}: turns what it observes, the replies to its actions and its timers into
 * inputs of its event-sourced instances, and does what each instance's state lists
 * ({@link ProcessManager#todo}), one action at a time, recording each outcome before the next.
 *
 * <p>Two targets on the pipeline's bus: {@link #observer()} (the saga's filter) and {@link #worker()}
 * (the saga's own store). Every event of an instance comes back as a state-carrying message to the
 * worker, which then does what the state lists: a crash between two steps leaves an event whose
 * delivery is not acknowledged, so the next step runs after the restart. Everything is idempotent:
 * inputs by their command ids on the saga's stream, commands to other stores by the deterministic
 * command id "saga:{saga}:{instance}:{action id}", timers by a deterministic timer id.
 *
 * <p>Within one runner the work on an instance takes turns (a lock per instance): the outcome of a
 * command is recorded before anyone can send it again, so a command refused once and accepted on a
 * later retry cannot both be recorded. Several processes running one saga need a transport that
 * delivers one instance's messages to one worker at a time (an SQS FIFO group per instance).
 */
public final class SagaRunner<E, S> {
    private static final Logger LOG = LoggerFactory.getLogger(SagaRunner.class);
    private static final int MAX_ROUNDS = 1_000;
    /** On a reply event: the step (action id) it answers. Read by the trace of a request. */
    public static final String STEP = "tally.sagaStep";
    /** On a reply event: "accepted", or "rejected: CODE" (a refused command, a check not applied). */
    public static final String OUTCOME = "tally.sagaOutcome";
    /** On a reply event of a command or a check: the aggregate it went to, "store/aggregateId". */
    public static final String TARGET = "tally.sagaTarget";

    private final Saga<E, S> saga;
    private final EventStore<S> instances;
    private final Function<String, EventStore<?>> stores;
    private final TimerScheduler timers;
    private final FailurePolicy failurePolicy;
    private final Clock clock;
    private final ReentrantLock[] locks = new ReentrantLock[64];

    /**
     * @param instances the event store of the saga's instances (on {@link Saga#definition()})
     * @param stores    the stores the saga sends commands to, by name
     * @param timers    where its timers go
     * @param clock     stamps the replies ({@link SagaInput.Replied#at()})
     */
    public SagaRunner(Saga<E, S> saga, EventStore<S> instances, Function<String, EventStore<?>> stores,
                      TimerScheduler timers, FailurePolicy failurePolicy, Clock clock) {
        this.saga = Objects.requireNonNull(saga, "saga");
        this.instances = Objects.requireNonNull(instances, "instances");
        this.stores = Objects.requireNonNull(stores, "stores");
        this.timers = Objects.requireNonNull(timers, "timers");
        this.failurePolicy = Objects.requireNonNull(failurePolicy, "failurePolicy");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (!instances.name().equals(saga.name())) {
            throw new IllegalArgumentException("the instances of saga '" + saga.name() + "' must be kept in the store"
                    + " built from saga.definition(), got store '" + instances.name() + "'");
        }
        for (int i = 0; i < locks.length; i++) {
            locks[i] = new ReentrantLock();
        }
    }

    /**
     * Adds the saga to a pipeline (before it starts): a store for its instances and its two targets.
     *
     * @param stores the pipeline's stores the saga sends commands to, by name
     */
    public static <E, S> SagaRunner<E, S> on(Pipeline pipeline, Saga<E, S> saga,
                                             Function<String, EventStore<?>> stores, TimerScheduler timers) {
        EventStore<S> instances = pipeline.store(saga.definition());
        SagaRunner<E, S> runner = new SagaRunner<>(saga, instances, stores, timers,
                FailurePolicy.DEFAULT, Clock.systemUTC());
        pipeline.subscribe(runner.observer());
        pipeline.subscribe(runner.worker());
        return runner;
    }

    public Saga<E, S> saga() {
        return saga;
    }

    public EventStore<S> instances() {
        return instances;
    }

    /** The target for what the saga observes, named after the saga. */
    public Target observer() {
        return new Target(saga.name(), saga.observes(), this::observe, failurePolicy);
    }

    /** The target for the saga's own events, named "{saga}-work": it does what each instance's state lists. */
    public Target worker() {
        return new Target(saga.name() + "-work", new MessageFilter(Set.of(saga.name()), Set.of(),
                Set.of(MessageKind.STATE_CARRYING)), m -> advance(m.aggregateId()), failurePolicy);
    }

    /** Handles one observed message: correlates it, records it on its instance, then advances the instance. */
    public void observe(Message message) {
        if (!(message instanceof StateCarryingMessage m) || !saga.observes().matches(m)) {
            return;
        }
        SagaInput.Observed observed = new SagaInput.Observed(m.event(), m.state());
        Optional<String> instance = saga.manager().instanceOf(observed);
        if (instance.isEmpty()) {
            return;
        }
        recordAndAdvance(instance.get(), observed, m.id(), m.event().metadata().correlationId());
    }

    /** A timer of this saga came due: records it on its instance and advances it (at least once is fine). */
    public void fire(Timer timer) {
        if (!timer.sagaName().equals(saga.name())) {
            throw new IllegalArgumentException("timer " + timer.id() + " belongs to saga '" + timer.sagaName()
                    + "', not to '" + saga.name() + "'");
        }
        recordAndAdvance(timer.sagaId(), new SagaInput.TimedOut(timer.name(), timer.dueAt()), "timer:" + timer.id(),
                correlationOf(timer));
    }

    /** The correlation id a timer was scheduled with (in its payload), or null. */
    private static String correlationOf(Timer timer) {
        try {
            String id = dev.tally.core.json.JsonCodec.parse(timer.payload()).path(CORRELATION_FIELD).asText(null);
            return id == null || id.isEmpty() ? null : id;
        } catch (RuntimeException notJson) {
            return null;
        }
    }

    private static final String CORRELATION_FIELD = "correlationId";

    /** Under the instance's lock: no input is recorded while one of its actions is in flight here. */
    private void recordAndAdvance(String instance, SagaInput input, String cause, String correlationId) {
        ReentrantLock lock = lockOf(instance);
        lock.lock();
        try {
            record(instance, input, cause, correlationId);
            advance(instance);
        } finally {
            lock.unlock();
        }
    }

    private ReentrantLock lockOf(String instance) {
        return locks[Math.floorMod(instance.hashCode(), locks.length)];
    }

    /** Records an input on an instance, once per input (its command id); a refusal is logged, not retried. */
    private void record(String instance, SagaInput input, String cause, String correlationId) {
        CommandResult<S> r = instances.execute(instance, asCommand(input), EventMetadata.empty()
                .withCorrelationId(correlationId)
                .withCommandId(input.commandId()).withCausationId(cause).withActor("saga:" + saga.name()));
        if (r instanceof CommandResult.Rejected<S> rejected) {
            LOG.info("saga {}/{} refused {}: {}", saga.name(), instance, input.getClass().getSimpleName(),
                    rejected.rejection());
        }
    }

    /**
     * Does what the instance's state lists, one action at a time, recording each outcome before the
     * next, until its to-do list is empty.
     */
    public void advance(String instance) {
        ReentrantLock lock = lockOf(instance);
        lock.lock();
        try {
            for (int round = 0; round < MAX_ROUNDS; round++) {
                Aggregate<S> current = instances.load(instance);
                if (!current.exists()) {
                    return;
                }
                List<SagaAction> todo = saga.manager().todo(current.state());
                if (todo.isEmpty()) {
                    return;
                }
                SagaAction action = todo.get(0);
                long started = System.nanoTime();
                // caused by the saga's newest event, the one whose state lists this action
                String cause = saga.name() + "/" + instance + "@" + current.version();
                // ... and what that event's request caused, the action and its reply are part of
                String correlationId = correlationAt(instance, current.version());
                SagaInput.Replied reply = perform(instance, action, cause, correlationId);
                CommandResult<S> r = instances.execute(instance, asCommand(reply), replyMetadata(action, reply)
                        .withCorrelationId(correlationId).withCausationId(cause)
                        .withCommandId(reply.commandId()).withActor("saga:" + saga.name()));
                dev.tally.core.observe.Observability.telemetry().sagaStep(saga.name(), System.nanoTime() - started);
                List<SagaAction> after = saga.manager().todo(r.aggregate().state());
                if (!after.isEmpty() && after.get(0).equals(action)) {
                    throw new IllegalStateException("saga '" + saga.name() + "' still lists action '" + action.id()
                            + "' after its reply was recorded: react(Replied) must record the reply in the state so"
                            + " that todo() stops listing it");
                }
            }
            throw new IllegalStateException("saga '" + saga.name() + "' instance " + instance + " listed more than "
                    + MAX_ROUNDS + " actions in a row: does todo() keep listing new actions?");
        } finally {
            lock.unlock();
        }
    }

    /** The correlation id of the instance's event at {@code version}, or null. */
    private String correlationAt(String instance, long version) {
        List<dev.tally.core.RecordedEvent> e = instances.read(instance, dev.tally.core.ReadOptions.range(version,
                version));
        return e.isEmpty() ? null : e.get(0).metadata().correlationId();
    }

    /** What the trace of a request shows of a step: which, where to, and how it went. */
    private static EventMetadata replyMetadata(SagaAction action, SagaInput.Replied reply) {
        EventMetadata m = EventMetadata.empty().withAttribute(STEP, action.id())
                .withAttribute(OUTCOME, reply.accepted() ? "accepted" : "rejected: " + reply.code());
        if (action instanceof SagaAction.Send send) {
            return m.withAttribute(TARGET, send.store() + "/" + send.aggregateId());
        }
        if (action instanceof SagaAction.Check check) {
            return m.withAttribute(TARGET, check.store() + "/" + check.aggregateId());
        }
        return m;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private SagaInput.Replied perform(String instance, SagaAction action, String cause, String correlationId) {
        if (action instanceof SagaAction.Send send) {
            EventStore target = stores.apply(send.store());
            if (target == null) {
                throw new IllegalStateException("saga '" + saga.name() + "' sends " + send.command().getClass()
                        .getSimpleName() + " to store '" + send.store() + "', which this runner was not given");
            }
            CommandResult<?> r = target.execute(send.aggregateId(), (Command) send.command(), EventMetadata.empty()
                    .withCommandId(commandId(instance, send.id())).withCausationId(cause)
                    .withCorrelationId(correlationId).withActor("saga:" + saga.name()));
            return r instanceof CommandResult.Rejected<?> rejected
                    ? new SagaInput.Replied(send.id(), false, rejected.rejection().code(),
                            rejected.rejection().message(), clock.instant())
                    : SagaInput.Replied.accepted(send.id(), clock.instant());
        }
        if (action instanceof SagaAction.Check check) {
            EventStore<?> target = stores.apply(check.store());
            if (target == null) {
                throw new IllegalStateException("saga '" + saga.name() + "' checks a command to store '"
                        + check.store() + "', which this runner was not given");
            }
            boolean applied = !target.ledger().commandEvents(target.name(), check.aggregateId(),
                    commandId(instance, check.id())).isEmpty();
            return applied ? SagaInput.Replied.accepted(check.id(), clock.instant())
                    : new SagaInput.Replied(check.id(), false, SagaAction.Check.NOT_APPLIED, "the command of step '"
                            + check.id() + "' never applied to " + check.store() + "/" + check.aggregateId(),
                            clock.instant());
        }
        if (action instanceof SagaAction.Schedule schedule) {
            timers.schedule(new Timer(timerId(instance, schedule.name()), saga.name(), instance, schedule.name(),
                    schedule.dueAt(), correlationId == null ? "{}" : dev.tally.core.json.JsonCodec.write(
                            dev.tally.core.json.JsonCodec.object().put(CORRELATION_FIELD, correlationId))));
            return SagaInput.Replied.accepted(schedule.id(), clock.instant());
        }
        SagaAction.Cancel cancel = (SagaAction.Cancel) action;
        timers.cancel(timerId(instance, cancel.name()));
        return SagaInput.Replied.accepted(cancel.id(), clock.instant());
    }

    /** An input as a command of the saga's store (its definition's command type is {@link SagaInput}). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private Command<S> asCommand(SagaInput input) {
        return (Command) input;
    }

    /** The command id of an action's command: the same on every redelivery, so it applies once. */
    public String commandId(String instance, String actionId) {
        String id = "saga:" + saga.name() + ":" + instance + ":" + actionId;
        return id.length() <= 200 ? id : "saga:" + hash(id);
    }

    /** The timer id of an instance's timer {@code name}: at most 64 characters, the same every time. */
    public String timerId(String instance, String name) {
        return "t-" + hash(saga.name() + "\n" + instance + "\n" + name).substring(0, 40);
    }

    private static String hash(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
