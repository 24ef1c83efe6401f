package dev.tally.aws;

import dev.tally.core.AggregateDefinition;
import dev.tally.core.EventStore;
import dev.tally.core.runtime.Dispatcher;
import dev.tally.core.snapshot.SnapshotPolicy;
import dev.tally.dynamodb.DynamoDbClients;
import dev.tally.dynamodb.DynamoDbLedger;
import dev.tally.dynamodb.DynamoDbSnapshotStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;

/**
 * Wiring for Lambda functions from environment variables, with plain constructors and no
 * classpath scanning (cold starts stay short):
 *
 * <pre>
 * AWS_REGION            set by Lambda
 * TALLY_LEDGER_TABLE    the ledger table
 * TALLY_SNAPSHOT_TABLE  the snapshot table (optional)
 * TALLY_EVENT_BUS       the EventBridge bus name (for the dispatcher)
 * </pre>
 *
 * A missing variable fails the cold start with its name and what it is for.
 */
public final class TallyEnvironment {
    private final Map<String, String> env;
    private final Region region;
    private DynamoDbClient dynamoDb;

    public TallyEnvironment(Map<String, String> env) {
        this.env = env;
        this.region = Region.of(require("AWS_REGION", "the AWS region (Lambda sets it)"));
    }

    public static TallyEnvironment fromSystem() {
        return new TallyEnvironment(System.getenv());
    }

    public String require(String name, String what) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            throw new IllegalStateException("environment variable " + name + " is not set: it must name " + what
                    + ". Set it on the function (the deployment template does)");
        }
        return v;
    }

    public synchronized DynamoDbClient dynamoDb() {
        if (dynamoDb == null) {
            dynamoDb = DynamoDbClients.forAws(region);
        }
        return dynamoDb;
    }

    public EventBridgeClient eventBridge() {
        return EventBridgeClient.builder().httpClient(UrlConnectionHttpClient.create()).region(region)
                .credentialsProvider(DefaultCredentialsProvider.builder().build()).build();
    }

    /** Event stores over the ledger (and snapshot table when set), one per definition. */
    public List<EventStore<?>> stores(List<AggregateDefinition<?>> definitions) {
        DynamoDbLedger ledger = new DynamoDbLedger(dynamoDb(), require("TALLY_LEDGER_TABLE", "the ledger table"));
        String snapshotTable = env.get("TALLY_SNAPSHOT_TABLE");
        List<EventStore<?>> stores = new ArrayList<>();
        for (AggregateDefinition<?> d : definitions) {
            EventStore.Builder<?> b = EventStore.builder(d, ledger);
            if (snapshotTable != null && !snapshotTable.isBlank()) {
                b.snapshots(new DynamoDbSnapshotStore(dynamoDb(), snapshotTable), SnapshotPolicy.everyNEvents(100));
            }
            stores.add(b.build());
        }
        return stores;
    }

    /** The dispatcher of the stream function: the stores, publishing to the EventBridge bus. */
    public Dispatcher dispatcher(List<AggregateDefinition<?>> definitions) {
        return new Dispatcher(stores(definitions), new EventBridgeBus(eventBridge(),
                require("TALLY_EVENT_BUS", "the EventBridge bus the dispatcher publishes to")));
    }
}
