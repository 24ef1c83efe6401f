package dev.tally.aws.app;

import dev.tally.aws.TallyEnvironment;
import dev.tally.core.AggregateDefinition;
import dev.tally.core.EventStore;
import dev.tally.core.app.TallyApp;
import dev.tally.core.projection.Projection;
import dev.tally.core.runtime.Dispatcher;
import dev.tally.core.snapshot.SnapshotPolicy;
import dev.tally.dynamodb.DynamoDbLedger;
import dev.tally.dynamodb.DynamoDbSnapshotStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * What the generic Lambda functions of any {@link TallyApp} share: finding the app in the jar and
 * building its event stores over the ledger. Environment (set by the generated template):
 *
 * <pre>
 * TALLY_APP             the app's name (needed only when the jar holds several apps)
 * TALLY_LEDGER_TABLE    the ledger table
 * TALLY_SNAPSHOT_TABLE  the snapshot table (optional)
 * TALLY_MASTER_KEY_ARN, TALLY_DATA_KEYS_TABLE  the keys of the command function (seals) and of
 *                       the query function (reveals), when the app declares personal data ({@link AppKeys})
 * </pre>
 *
 * Snapshots are written by the command function only; every other function reads them and never
 * writes one, which is what lets the template deny them {@code PutItem} on the snapshot table.
 */
public final class AppFunctions {
    /** How often the command function takes a snapshot. */
    public static final int SNAPSHOT_EVERY = 100;

    /** Whether a function's stores write snapshots (the command function) or only read them. */
    public enum Snapshots { READ_ONLY, READ_WRITE }

    private AppFunctions() {
    }

    /**
     * The app in this jar, found with {@link ServiceLoader} (as {@code tally serve --app} finds it);
     * {@code name} picks one when there are several (null: the only one).
     */
    public static TallyApp findApp(String name) {
        List<TallyApp> apps = new ArrayList<>();
        ServiceLoader.load(TallyApp.class, AppFunctions.class.getClassLoader()).forEach(apps::add);
        if (apps.isEmpty()) {
            throw new IllegalStateException("no TallyApp in this jar: list your app's class in"
                    + " META-INF/services/dev.tally.core.app.TallyApp and package it into the Lambda jar");
        }
        if (name == null || name.isBlank()) {
            if (apps.size() > 1) {
                throw new IllegalStateException("this jar holds " + apps.size() + " apps " + names(apps)
                        + ": set TALLY_APP to the one this function serves");
            }
            return apps.get(0);
        }
        return apps.stream().filter(a -> a.name().equals(name)).findFirst().orElseThrow(() ->
                new IllegalStateException("TALLY_APP is '" + name + "', but this jar holds " + names(apps)
                        + ": set it to one of those"));
    }

    static TallyApp findApp(Map<String, String> variables) {
        return findApp(variables.get("TALLY_APP"));
    }

    private static List<String> names(List<TallyApp> apps) {
        return apps.stream().map(TallyApp::name).toList();
    }

    /** The app's stores by name, over the ledger and (when given) the snapshot table. */
    public static Map<String, EventStore<?>> stores(TallyApp app, DynamoDbClient client, String ledgerTable,
                                                     String snapshotTable, Snapshots snapshots) {
        return stores(app, client, ledgerTable, snapshotTable, snapshots, null);
    }

    /**
     * The same, with the keys that seal personal data on append (null: none; a function that never
     * appends needs none, since events are folded and projected with the sealed values in place).
     */
    public static Map<String, EventStore<?>> stores(TallyApp app, DynamoDbClient client, String ledgerTable,
                                                     String snapshotTable, Snapshots snapshots,
                                                     dev.tally.core.privacy.PersonalData personalData) {
        DynamoDbLedger ledger = new DynamoDbLedger(client, ledgerTable);
        Map<String, EventStore<?>> stores = new LinkedHashMap<>();
        for (AggregateDefinition<?> d : app.stores()) {
            var b = EventStore.builder(d, ledger);
            if (snapshotTable != null && !snapshotTable.isBlank()) {
                b.snapshots(new DynamoDbSnapshotStore(client, snapshotTable), snapshots == Snapshots.READ_WRITE
                        ? SnapshotPolicy.everyNEvents(SNAPSHOT_EVERY) : SnapshotPolicy.never());
            }
            if (personalData != null) {
                b.personalData(personalData);
            }
            stores.put(d.name(), b.build());
        }
        return stores;
    }

    static Map<String, EventStore<?>> stores(TallyApp app, TallyEnvironment env, Map<String, String> variables,
                                              Snapshots snapshots) {
        return stores(app, env.dynamoDb(), env.require("TALLY_LEDGER_TABLE", "the ledger table"),
                variables.get("TALLY_SNAPSHOT_TABLE"), snapshots, null);
    }

    /**
     * The stores of a function that appends (seals) or reveals: with the keys of personal data when the
     * app declares some. The command function seals with them, the query function only reveals.
     */
    static Map<String, EventStore<?>> appendingStores(TallyApp app, TallyEnvironment env, Map<String, String> variables,
                                                      Snapshots snapshots) {
        return stores(app, env.dynamoDb(), env.require("TALLY_LEDGER_TABLE", "the ledger table"),
                variables.get("TALLY_SNAPSHOT_TABLE"), snapshots,
                hasPersonalData(app) ? AppKeys.fromEnvironment(env, variables, env.dynamoDb()) : null);
    }

    /**
     * The stores of the query function: read-only snapshots, and the keys of personal data (when the app
     * declares some) to reveal sealed values for the reader; it never appends, so never makes a key.
     */
    static Map<String, EventStore<?>> revealingStores(TallyApp app, TallyEnvironment env, Map<String, String> variables) {
        return appendingStores(app, env, variables, Snapshots.READ_ONLY);
    }

    /** Whether any store of the app declares personal fields (and so needs keys to append). */
    public static boolean hasPersonalData(TallyApp app) {
        return app.stores().stream().anyMatch(AggregateDefinition::hasPersonalData);
    }

    /** Reads claim checks from the ledger (a projector never publishes). */
    static Dispatcher claimResolver(Map<String, EventStore<?>> stores) {
        return new Dispatcher(List.copyOf(stores.values()), messages -> {
            throw new IllegalStateException("a projector function does not publish");
        });
    }

    /** The app's projection of that name, or an error listing the ones it has. */
    public static Projection<?, ?> projection(TallyApp app, String name) {
        return app.projections().stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow(() ->
                new IllegalStateException("app " + app.name() + " has no projection '" + name + "'; it has "
                        + app.projections().stream().map(Projection::name).toList()));
    }
}
