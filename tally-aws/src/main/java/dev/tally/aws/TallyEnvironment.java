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
 * TALLY_DISPATCHER_DLQ_URL  the SQS queue the dispatcher writes events it gave up on (see {@link #dispatcherDeadLetters})
 * TALLY_TIMER_GROUP, TALLY_TIMER_TARGET_ARN, TALLY_TIMER_ROLE_ARN, TALLY_TIMER_DLQ_ARN (optional)
 *                       saga timers as EventBridge Scheduler schedules (see {@link #timers})
 * TALLY_MASTER_KEY_ARN, TALLY_DATA_KEYS_TABLE  personal data's KMS key and wrapped-keys table
 *                       (for the functions that append, when the app declares personal data)
 * AWS_ENDPOINT_URL      (optional) one endpoint for every client, the SDK's own variable: moto_server
 *                       or LocalStack in tests; never set on Lambda
 * </pre>
 *
 * A missing variable fails the cold start with its name and what it is for.
 */
public final class TallyEnvironment {
    private final Map<String, String> env;
    private final Region region;
    private final java.net.URI endpoint;
    private DynamoDbClient dynamoDb;

    public TallyEnvironment(Map<String, String> env) {
        this.env = env;
        this.region = Region.of(require("AWS_REGION", "the AWS region (Lambda sets it)"));
        String url = env.get("AWS_ENDPOINT_URL");
        this.endpoint = url == null || url.isBlank() ? null : java.net.URI.create(url);
    }

    /** The region, credentials chain, url-connection client and (when set) endpoint every client here uses. */
    private <B extends software.amazon.awssdk.awscore.client.builder.AwsClientBuilder<B, ?>
            & software.amazon.awssdk.core.client.builder.SdkSyncClientBuilder<B, ?>> B configure(B builder) {
        builder.httpClient(UrlConnectionHttpClient.create()).region(region)
                .credentialsProvider(DefaultCredentialsProvider.builder().build());
        if (endpoint != null) {
            builder.endpointOverride(endpoint);
        }
        return builder;
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
            dynamoDb = endpoint == null ? DynamoDbClients.forAws(region) : configure(DynamoDbClient.builder()).build();
        }
        return dynamoDb;
    }

    public EventBridgeClient eventBridge() {
        return configure(EventBridgeClient.builder()).build();
    }

    /** Event stores over the ledger (and snapshot table when set), one per definition. */
    public List<EventStore<?>> stores(List<AggregateDefinition<?>> definitions) {
        DynamoDbLedger ledger = new DynamoDbLedger(dynamoDb(), require("TALLY_LEDGER_TABLE", "the ledger table"));
        String snapshotTable = env.get("TALLY_SNAPSHOT_TABLE");
        List<EventStore<?>> stores = new ArrayList<>();
        for (AggregateDefinition<?> d : definitions) {
            var b = EventStore.builder(d, ledger);
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

    public software.amazon.awssdk.services.sqs.SqsClient sqs() {
        return configure(software.amazon.awssdk.services.sqs.SqsClient.builder()).build();
    }

    /** KMS, for the master key of personal data ({@link KmsMasterKey}). */
    public software.amazon.awssdk.services.kms.KmsClient kms() {
        return configure(software.amazon.awssdk.services.kms.KmsClient.builder()).build();
    }

    /** Where the stream dispatcher keeps events it gave up on, with their records: {@code TALLY_DISPATCHER_DLQ_URL}. */
    public SqsDeadLetterSink dispatcherDeadLetters() {
        return new SqsDeadLetterSink(sqs(), require("TALLY_DISPATCHER_DLQ_URL",
                "the SQS queue URL the dispatcher writes the events it cannot dispatch to"));
    }

    /** The stream function with its dead-letter queue: 3 attempts per event within an invocation. */
    public StreamDispatcherHandler dispatcherHandler(List<AggregateDefinition<?>> definitions) {
        return new StreamDispatcherHandler(dispatcher(definitions), dispatcherDeadLetters(),
                new dev.tally.core.RetryPolicy(3, java.time.Duration.ofMillis(50), java.time.Duration.ofMillis(500)));
    }

    /** Saga timers as EventBridge Scheduler one-time schedules invoking this function. */
    public SchedulerTimers timers() {
        software.amazon.awssdk.services.scheduler.SchedulerClient scheduler =
                configure(software.amazon.awssdk.services.scheduler.SchedulerClient.builder()).build();
        SchedulerTimers.Config config = new SchedulerTimers.Config(
                require("TALLY_TIMER_GROUP", "the EventBridge Scheduler schedule group of this app's timers"),
                require("TALLY_TIMER_TARGET_ARN", "the ARN of the saga function the schedules invoke"),
                require("TALLY_TIMER_ROLE_ARN", "the role EventBridge Scheduler assumes to invoke the saga function"));
        String dlq = env.get("TALLY_TIMER_DLQ_ARN");
        return new SchedulerTimers(scheduler, dlq == null || dlq.isBlank() ? config : config.withDeadLetterQueue(dlq));
    }
}
