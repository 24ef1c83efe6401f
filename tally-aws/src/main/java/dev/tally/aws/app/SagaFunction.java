package dev.tally.aws.app;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.aws.EventBridgeTargetHandler;
import dev.tally.aws.TallyEnvironment;
import dev.tally.aws.TimerTargetHandler;
import dev.tally.core.AggregateDefinition;
import dev.tally.core.EventStore;
import dev.tally.core.app.TallyApp;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.message.Message;
import dev.tally.core.message.MessageKind;
import dev.tally.core.runtime.FailurePolicy;
import dev.tally.core.saga.Saga;
import dev.tally.core.saga.SagaRunner;
import dev.tally.core.saga.TimerScheduler;
import dev.tally.core.snapshot.SnapshotPolicy;
import dev.tally.dynamodb.DynamoDbLedger;
import dev.tally.dynamodb.DynamoDbSnapshotStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * One saga of any {@link TallyApp} as a Lambda function, the AWS counterpart of what {@code tally
 * serve} does with {@code SagaRunner.on(pipeline, ...)}. It takes two kinds of input:
 *
 * <ul>
 *   <li>EventBridge events from its rule: the state-carrying messages of the stores the saga
 *       observes (handed to {@link SagaRunner#observe}) and those of the saga's own store (its
 *       instances' events: {@link SagaRunner#advance}, which does what the instance's state lists
 *       next, as the runner's worker target does on the local stack);</li>
 *   <li>fired timers from EventBridge Scheduler ({@code {"tally": "timer", ...}}, read by
 *       {@link TimerTargetHandler}): {@link SagaRunner#fire}.</li>
 * </ul>
 *
 * The saga's instances and the commands it sends live in the app's DynamoDB ledger; its timers are
 * EventBridge Scheduler one-time schedules ({@link TallyEnvironment#timers()}) that invoke this
 * function. Throwing fails the invocation: EventBridge (or Scheduler) retries it, then sends it to the
 * target's dead-letter queue. Environment (set by the generated template):
 *
 * <pre>
 * TALLY_SAGA              which saga of the app this function runs
 * TALLY_LEDGER_TABLE      the ledger (the saga's instances and the stores it sends commands to)
 * TALLY_SNAPSHOT_TABLE    snapshots, read only (optional)
 * TALLY_TIMER_GROUP, TALLY_TIMER_TARGET_ARN, TALLY_TIMER_ROLE_ARN, TALLY_TIMER_DLQ_ARN   its timers
 * </pre>
 *
 * <p>Handler: {@code dev.tally.aws.app.SagaFunction::handleRequest}.
 *
 * <p>Limit: {@link SagaRunner} serialises the work on one instance within one process only. Two
 * concurrent invocations for the same instance (a redelivery racing the original) are kept from
 * applying a command twice by the deterministic command ids, but a command refused in one and
 * accepted in the other could record either outcome (see {@link SagaRunner}).
 */
public final class SagaFunction implements RequestStreamHandler {
    private final SagaRunner<?, ?> runner;
    private final EventBridgeTargetHandler events;
    private final TimerTargetHandler timers;

    public SagaFunction() {
        this(System.getenv());
        // SnapStart: load and initialise the codec and the SDK's request path before the snapshot (docs/aws.md)
        Priming.ifWanted(AppFunctions.findApp(System.getenv()), System.getenv());
    }

    SagaFunction(Map<String, String> variables) {
        this(AppFunctions.findApp(variables), new TallyEnvironment(variables), variables);
    }

    private SagaFunction(TallyApp app, TallyEnvironment env, Map<String, String> variables) {
        this(app, env.require("TALLY_SAGA", "which saga of app " + app.name() + " this function runs"),
                env.dynamoDb(), env.require("TALLY_LEDGER_TABLE", "the ledger table"),
                variables.get("TALLY_SNAPSHOT_TABLE"), env.timers(), Clock.systemUTC());
    }

    /**
     * The app's saga {@code sagaName} over the ledger: its instances in a store of the saga's name,
     * commands to the app's stores, snapshots read only (the command function writes them), timers
     * to {@code timers}; {@code clock} stamps replies and decides whether a timer arrived early.
     */
    public SagaFunction(TallyApp app, String sagaName, DynamoDbClient client, String ledgerTable,
                        String snapshotTable, TimerScheduler timers, Clock clock) {
        this(app, saga(app, sagaName), AppFunctions.stores(app, client, ledgerTable, snapshotTable,
                AppFunctions.Snapshots.READ_ONLY), client, ledgerTable, snapshotTable, timers, clock);
    }

    private SagaFunction(TallyApp app, Saga<?, ?> saga, Map<String, EventStore<?>> appStores, DynamoDbClient client,
                         String ledgerTable, String snapshotTable, TimerScheduler timers, Clock clock) {
        if (appStores.containsKey(saga.name())) {
            throw new IllegalStateException("saga '" + saga.name() + "' of app " + app.name()
                    + " has the name of one of its stores: saga names must be unique among stores");
        }
        Map<String, EventStore<?>> stores = new LinkedHashMap<>(appStores);
        EventStore<?> instances = instances(saga.definition(), client, ledgerTable, snapshotTable);
        this.runner = bind(saga, instances, appStores, timers, clock);
        // claim checks are resolved from the ledger, the saga's own messages included
        stores.put(saga.name(), instances);
        this.events = new EventBridgeTargetHandler(this::route, AppFunctions.claimResolver(stores));
        this.timers = new TimerTargetHandler(runner::fire, clock);
    }

    private static <E, S> SagaRunner<E, S> bind(Saga<E, S> saga, EventStore<?> instances,
                                                 Map<String, EventStore<?>> stores, TimerScheduler timers,
                                                 Clock clock) {
        @SuppressWarnings("unchecked")
        EventStore<S> typed = (EventStore<S>) instances;
        return new SagaRunner<>(saga, typed, stores::get, timers, FailurePolicy.DEFAULT, clock);
    }

    private static <S> EventStore<S> instances(AggregateDefinition<S> definition, DynamoDbClient client,
                                               String ledgerTable, String snapshotTable) {
        var b = EventStore.builder(definition, new DynamoDbLedger(client, ledgerTable));
        if (snapshotTable != null && !snapshotTable.isBlank()) {
            b.snapshots(new DynamoDbSnapshotStore(client, snapshotTable), SnapshotPolicy.never());
        }
        return b.build();
    }

    /** The app's saga of that name, or an error listing the ones it has. */
    public static Saga<?, ?> saga(TallyApp app, String name) {
        return app.sagas().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow(() ->
                new IllegalStateException("app " + app.name() + " has no saga '" + name + "'; it has "
                        + app.sagas().stream().map(Saga::name).toList()));
    }

    public SagaRunner<?, ?> runner() {
        return runner;
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        byte[] bytes = input.readAllBytes();
        JsonNode json = JsonCodec.parse(bytes);
        if (TimerTargetHandler.accepts(json)) {
            timers.handle(json);
            output.write("{}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return;
        }
        events.handleRequest(new ByteArrayInputStream(bytes), output, context);
    }

    /** An EventBridge message: the saga's own state moves it on; any other is something it observes. */
    void route(Message m) {
        if (m.store().equals(runner.saga().name())) {
            if (m.kind() == MessageKind.STATE_CARRYING) {
                runner.advance(m.aggregateId());
            }
            return;
        }
        runner.observe(m);
    }
}
