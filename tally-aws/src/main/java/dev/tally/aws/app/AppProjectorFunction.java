package dev.tally.aws.app;

import dev.tally.aws.EventBridgeTargetHandler;
import dev.tally.aws.TallyEnvironment;
import dev.tally.core.EventStore;
import dev.tally.core.app.TallyApp;
import dev.tally.core.message.MessageHandler;
import dev.tally.core.projection.Projection;
import dev.tally.core.projection.Projector;
import dev.tally.dynamodb.DynamoDbProjectionWriter;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * One projection of any {@link TallyApp} as the target of its EventBridge rule: {@code TALLY_PROJECTION}
 * names the projection, {@code TALLY_VIEW_TABLE} its DynamoDB table. It writes views with one
 * conditional PutItem each and reads the ledger (Query) only to resolve a claim check. Handler:
 * {@code dev.tally.aws.app.AppProjectorFunction::handleRequest}.
 */
public final class AppProjectorFunction extends EventBridgeTargetHandler {
    public AppProjectorFunction() {
        this(System.getenv());
        // SnapStart: load and initialise the codec and the SDK's request path before the snapshot (docs/aws.md)
        Priming.ifWanted(AppFunctions.findApp(System.getenv()), System.getenv());
    }

    private AppProjectorFunction(Map<String, String> variables) {
        this(AppFunctions.findApp(variables), new TallyEnvironment(variables), variables);
    }

    private AppProjectorFunction(TallyApp app, TallyEnvironment env, Map<String, String> variables) {
        this(projector(app, env.dynamoDb(), env.require("TALLY_PROJECTION", "which projection of app " + app.name()
                        + " this function writes"), env.require("TALLY_VIEW_TABLE", "the DynamoDB table of that projection")),
                AppFunctions.stores(app, env, variables, AppFunctions.Snapshots.READ_ONLY));
    }

    private AppProjectorFunction(MessageHandler projector, Map<String, EventStore<?>> stores) {
        super(projector, AppFunctions.claimResolver(stores));
    }

    /** The function of one projection of {@code app}, from the variables the template gives it (tests, tools). */
    public static AppProjectorFunction fromEnvironment(TallyApp app, Map<String, String> variables) {
        return new AppProjectorFunction(app, new TallyEnvironment(variables), variables);
    }

    /** The projector of the app's projection {@code name}, writing {@code table}. */
    public static MessageHandler projector(TallyApp app, DynamoDbClient client, String name, String table) {
        return bind(AppFunctions.projection(app, name), client, table);
    }

    private static <S, V> Projector<S, V> bind(Projection<S, V> p, DynamoDbClient client, String table) {
        return new Projector<>(p, new DynamoDbProjectionWriter<>(client, table, p.viewType()));
    }
}
