package dev.tally.aws.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.AggregateDefinition;
import dev.tally.core.RecordedEvent;
import dev.tally.core.app.TallyApp;
import dev.tally.core.json.JsonCodec;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.DefaultRetryStrategy;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequestEntry;

/**
 * SnapStart priming: work done in a handler's initialisation so that the snapshot Lambda takes after
 * it holds classes already loaded and initialised, instead of each restored function loading them on
 * its first request. It exercises
 *
 * <ul>
 *   <li>the codec: each store's initial state to JSON and back, and a ledger event through
 *       {@link JsonCodec#eventToJson}/{@link JsonCodec#eventFromJson} (Jackson's serializers and
 *       deserializers, the JSR-310 module);</li>
 *   <li>the SDK's request path: a DynamoDB {@code Query} and {@code PutItem} and an EventBridge
 *       {@code PutEvents} are built, marshalled and signed by clients whose interceptor stops each
 *       request just before it would be sent.</li>
 * </ul>
 *
 * <p>No network: nothing is sent (the interceptor stops the request before transmission, retries are
 * off) and no connection is opened, because a connection made before the snapshot would be restored
 * in every copy of it, stale, and credentials resolved then would be shared by every copy. The priming
 * clients use fixed dummy credentials and are dropped; the functions' own clients are untouched.
 *
 * <p>Runs when Lambda initialises for a snapshot ({@code AWS_LAMBDA_INITIALIZATION_TYPE=snap-start}),
 * or when {@code TALLY_PRIMING=on} (tests, {@code HandlerProbe}); {@code TALLY_PRIMING=off} turns it off.
 */
public final class Priming {
    /** Thrown by the interceptor: the request was marshalled and signed, and is not sent. */
    static final class Stopped extends RuntimeException {
        Stopped() {
            super("priming: request stopped before transmission", null, false, false);
        }
    }

    private static final AtomicInteger STOPPED = new AtomicInteger();

    private static final ExecutionInterceptor STOP = new ExecutionInterceptor() {
        @Override
        public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
            STOPPED.incrementAndGet();
            throw new Stopped();
        }
    };

    private Priming() {
    }

    /** Whether this initialisation should prime (see the class comment). */
    public static boolean wanted(Map<String, String> env) {
        String setting = env.getOrDefault("TALLY_PRIMING", "");
        if (setting.equalsIgnoreCase("off")) {
            return false;
        }
        return setting.equalsIgnoreCase("on") || "snap-start".equals(env.get("AWS_LAMBDA_INITIALIZATION_TYPE"));
    }

    /** Primes when {@link #wanted}; a failure is logged, never fatal (priming is an optimisation). */
    static void ifWanted(TallyApp app, Map<String, String> env) {
        if (!wanted(env)) {
            return;
        }
        try {
            codec(app);
            String region = env.getOrDefault("AWS_REGION", "us-east-1");
            sdk(Region.of(region));
        } catch (RuntimeException | LinkageError e) {
            org.slf4j.LoggerFactory.getLogger(Priming.class).warn("priming failed (the function still works,"
                    + " its first request loads what priming would have): {}", e.toString());
        }
    }

    /** The codec: every store's initial state and a ledger event, to JSON and back. */
    public static void codec(TallyApp app) {
        for (AggregateDefinition<?> d : app.stores()) {
            Object initial = d.initialState();
            if (initial != null) {
                JsonNode tree = JsonCodec.toTree(initial);
                JsonCodec.fromTree(JsonCodec.parse(JsonCodec.write(tree)), d.stateType());
            }
        }
        RecordedEvent e = JsonCodec.eventFromJson(JsonCodec.parse("{\"store\":\"priming\",\"aggregateId\":\"p\","
                + "\"version\":1,\"type\":\"Primed\",\"schemaVersion\":1,\"timestamp\":\"" + Instant.EPOCH
                + "\",\"payload\":{\"n\":1},\"metadata\":{}}"));
        JsonCodec.write(JsonCodec.eventToJson(e));
    }

    /**
     * The SDK's request path, stopped before transmission: returns how many requests were marshalled
     * and signed (3 when all were).
     */
    public static int sdk(Region region) {
        int before = STOPPED.get();
        StaticCredentialsProvider dummy = StaticCredentialsProvider.create(AwsBasicCredentials.create("priming",
                "priming"));
        try (DynamoDbClient dynamo = DynamoDbClient.builder().region(region).credentialsProvider(dummy)
                .httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(o -> o.addExecutionInterceptor(STOP)
                        .retryStrategy(DefaultRetryStrategy.doNotRetry())).build();
             EventBridgeClient events = EventBridgeClient.builder().region(region).credentialsProvider(dummy)
                     .httpClient(UrlConnectionHttpClient.create())
                     .overrideConfiguration(o -> o.addExecutionInterceptor(STOP)
                             .retryStrategy(DefaultRetryStrategy.doNotRetry())).build()) {
            stopped(() -> dynamo.query(q -> q.tableName("priming").consistentRead(true)
                    .keyConditionExpression("pk = :pk AND version BETWEEN :from AND :to")
                    .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS("priming#p"),
                            ":from", AttributeValue.fromN("1"), ":to", AttributeValue.fromN("9")))));
            stopped(() -> dynamo.putItem(p -> p.tableName("priming")
                    .item(Map.of("pk", AttributeValue.fromS("priming#p"), "version", AttributeValue.fromN("1")))
                    .conditionExpression("attribute_not_exists(pk)")));
            stopped(() -> events.putEvents(p -> p.entries(PutEventsRequestEntry.builder().eventBusName("priming")
                    .source("priming").detailType("Primed").detail("{\"n\":1}").build())));
        }
        return STOPPED.get() - before;
    }

    private static void stopped(Runnable request) {
        try {
            request.run();
        } catch (RuntimeException expected) {
            // the interceptor's Stopped, as the SDK wraps it; anything else surfaces in the count
        }
    }
}
