package dev.tally.aws.app;

import dev.tally.aws.EventBridgeBus;
import dev.tally.aws.StreamDispatcherHandler;
import dev.tally.aws.TallyEnvironment;
import dev.tally.core.RetryPolicy;
import dev.tally.core.app.TallyApp;
import dev.tally.core.runtime.Dispatcher;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The dispatcher of any {@link dev.tally.core.app.TallyApp}: the ledger's stream in, state-carrying
 * messages out to the EventBridge bus {@code TALLY_EVENT_BUS}. Its stores read snapshots and never
 * write one. Handler: {@code dev.tally.aws.app.AppDispatcherFunction::handleRequest}.
 *
 * <p>With {@code TALLY_DISPATCHER_DLQ_URL} (the generated template sets it to its
 * {@code DispatcherDeadLetters} queue), an event it cannot turn into a message is tried
 * {@link #ATTEMPTS} times, then written to that queue with its full ledger record
 * ({@link dev.tally.aws.SqsDeadLetterSink}) and the batch goes on; {@code tally dlq --sqs-queue}
 * lists and redrives it. Without it, such an event fails the batch at that record, and the event
 * source mapping's on-failure destination receives only its shard and sequence numbers.
 */
public final class AppDispatcherFunction extends StreamDispatcherHandler {
    /** Attempts within one invocation before an event is dead-lettered. */
    public static final int ATTEMPTS = 3;

    public AppDispatcherFunction() {
        this(System.getenv());
    }

    /** The function as Lambda builds it, from these environment variables instead of the process's. */
    public AppDispatcherFunction(Map<String, String> variables) {
        this(new TallyEnvironment(variables), variables);
    }

    /** The function of this app (instead of the one in the jar), from these environment variables. */
    public AppDispatcherFunction(TallyApp app, Map<String, String> variables) {
        this(app, new TallyEnvironment(variables), variables);
    }

    private AppDispatcherFunction(TallyEnvironment env, Map<String, String> variables) {
        this(AppFunctions.findApp(variables), env, variables);
    }

    private AppDispatcherFunction(TallyApp app, TallyEnvironment env, Map<String, String> variables) {
        this(dispatcher(app, env, variables), env, variables.get("TALLY_DISPATCHER_DLQ_URL"));
        // SnapStart: load and initialise the codec and the SDK's request path before the snapshot (docs/aws.md)
        Priming.ifWanted(app, variables);
    }

    private AppDispatcherFunction(Dispatcher dispatcher, TallyEnvironment env, String deadLetterQueue) {
        super(dispatcher, deadLetterQueue == null || deadLetterQueue.isBlank() ? null : env.dispatcherDeadLetters(),
                new RetryPolicy(ATTEMPTS, Duration.ofMillis(50), Duration.ofMillis(500)));
    }

    private static Dispatcher dispatcher(TallyApp app, TallyEnvironment env, Map<String, String> variables) {
        return new Dispatcher(List.copyOf(AppFunctions.stores(app, env, variables,
                AppFunctions.Snapshots.READ_ONLY).values()), new EventBridgeBus(env.eventBridge(),
                env.require("TALLY_EVENT_BUS", "the EventBridge bus the dispatcher publishes to")));
    }
}
