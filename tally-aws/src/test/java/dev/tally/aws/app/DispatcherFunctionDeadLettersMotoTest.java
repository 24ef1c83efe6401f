package dev.tally.aws.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.aws.EventBridgeBus;
import dev.tally.aws.EventBridgeEvents;
import dev.tally.aws.SqsDeadLetters;
import dev.tally.aws.StreamRecords;
import dev.tally.aws.deploy.AppTemplate;
import dev.tally.core.AggregateDefinition;
import dev.tally.core.EventStore;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.app.TallyApp;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.message.MessageFilter;
import dev.tally.core.projection.Projection;
import dev.tally.core.runtime.Dispatcher;
import dev.tally.dynamodb.DynamoDbLedger;
import dev.tally.dynamodb.DynamoDbTables;
import dev.tally.dynamodb.TableDefinitions;
import dev.tally.testing.MotoServer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The dispatcher's dead letters as deployed, on moto_server: the {@link AppDispatcherFunction} built
 * from the environment the generated template gives it (every variable read from the rendered
 * {@code DispatcherFunction}, its references resolved to the resources created here) writes an
 * event it cannot dispatch to the template's {@code DispatcherDeadLetters} queue with its full ledger
 * record, and a redrive through a dispatcher with the fixed app publishes it ({@code tally dlq}
 * lists and redrives such letters: tally-cli's SqsDlqCommandTest).
 */
class DispatcherFunctionDeadLettersMotoTest {
    static MotoServer moto;

    sealed interface SumEvent permits Added {
    }

    record Added(long n) implements SumEvent {
    }

    sealed interface SumCommand extends dev.tally.core.command.Command<Sum> permits Nothing {
    }

    record Nothing() implements SumCommand {
    }

    record Sum(long total) {
    }

    /** A reducer bug: a negative amount cannot be folded, so its event cannot be dispatched. */
    static AggregateDefinition<Sum> sum(boolean strict) {
        return AggregateDefinition.of("sum", Sum.class, SumCommand.class, SumEvent.class,
                dev.tally.core.Decider.of(new Sum(0),
                        (SumCommand c, Sum s) -> dev.tally.core.command.Decision.<SumEvent>nothing(),
                        (s, e) -> {
                            long n = ((Added) e.payload()).n();
                            if (strict && n < 0) {
                                throw new IllegalStateException("negative amount " + n + " (reducer bug)");
                            }
                            return new Sum(s.total() + n);
                        }));
    }

    static TallyApp app(boolean strict) {
        AggregateDefinition<Sum> d = sum(strict);
        return new TallyApp() {
            @Override
            public String name() {
                return "sums";
            }

            @Override
            public List<AggregateDefinition<?>> stores() {
                return List.of(d);
            }

            @Override
            public List<Projection<?, ?>> projections() {
                return List.of();
            }
        };
    }

    @BeforeAll
    static void start() {
        // the function and the command take credentials from the default AWS chain, as on Lambda
        moto = MotoServer.startOrSkipAsDefaultCredentials();
    }

    @AfterAll
    static void stop() {
        if (moto != null) {
            moto.close();
        }
    }

    static <B extends software.amazon.awssdk.awscore.client.builder.AwsClientBuilder<B, ?>
            & software.amazon.awssdk.core.client.builder.SdkSyncClientBuilder<B, ?>> B local(B builder) {
        return builder.region(Region.US_EAST_1).endpointOverride(moto.endpoint())
                .httpClient(UrlConnectionHttpClient.create()).credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(MotoServer.ACCESS_KEY, MotoServer.SECRET_KEY)));
    }

    /** The environment of the template's dispatcher function: Globals plus its own, references resolved. */
    static Map<String, String> deployedEnvironment(JsonNode template, Map<String, String> refs) {
        Map<String, String> env = new HashMap<>();
        JsonNode global = template.path("Globals").path("Function").path("Environment").path("Variables");
        JsonNode own = template.path("Resources").path("DispatcherFunction").path("Properties").path("Environment")
                .path("Variables");
        for (JsonNode vars : List.of(global, own)) {
            for (Iterator<Map.Entry<String, JsonNode>> it = vars.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode v = e.getValue();
                if (v.isTextual()) {
                    env.put(e.getKey(), v.asText());
                } else {
                    String ref = v.path("Ref").asText();
                    assertThat(refs).as("a value for the template's reference %s (variable %s)", ref, e.getKey())
                            .containsKey(ref);
                    env.put(e.getKey(), refs.get(ref));
                }
            }
        }
        return env;
    }

    @Test
    void an_event_the_deployed_dispatcher_cannot_dispatch_waits_in_its_queue_with_its_record_and_tally_dlq_redrives_it() {
        String id = UUID.randomUUID().toString().substring(0, 8);
        DynamoDbClient dynamo = local(DynamoDbClient.builder()).build();
        DynamoDbStreamsClient streams = local(DynamoDbStreamsClient.builder()).build();
        EventBridgeClient events = local(EventBridgeClient.builder()).build();
        SqsClient sqs = local(SqsClient.builder()).build();

        String ledgerTable = "sums-ledger-" + id;
        String snapshotTable = "sums-snapshots-" + id;
        DynamoDbTables.createIfMissing(dynamo, TableDefinitions.ledger(ledgerTable));
        DynamoDbTables.createIfMissing(dynamo, TableDefinitions.snapshots(snapshotTable));
        String dlq = sqs.createQueue(r -> r.queueName("sums-dispatcher-dlq-" + id)).queueUrl();
        String bus = "sums-bus-" + id;
        events.createEventBus(r -> r.name(bus));
        String views = sqs.createQueue(r -> r.queueName("sums-views-" + id)).queueUrl();
        String viewsArn = sqs.getQueueAttributes(r -> r.queueUrl(views).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
        events.putRule(r -> r.eventBusName(bus).name("all").eventPattern(
                EventBridgeEvents.pattern(MessageFilter.stateOf("sum")).toString()));
        events.putTargets(r -> r.eventBusName(bus).rule("all").targets(t -> t.id("q").arn(viewsArn)));

        EventStore<Sum> sums = EventStore.builder(sum(false), new DynamoDbLedger(dynamo, ledgerTable)).build();
        sums.append("a", 0, new Added(1));
        RecordedEvent poison = sums.append("a", 1, new Added(-7));
        sums.append("b", 0, new Added(2));

        Map<String, String> env = deployedEnvironment(new AppTemplate(app(true), "sums.jar").render(), Map.of(
                "LedgerTable", ledgerTable, "SnapshotTable", snapshotTable, "EventBus", bus,
                "DispatcherDeadLetters", dlq));
        assertThat(env).containsEntry("TALLY_DISPATCHER_DLQ_URL", dlq);
        env.put("AWS_REGION", MotoServer.REGION);
        env.put("AWS_ENDPOINT_URL", moto.endpoint().toString());
        AppDispatcherFunction function = new AppDispatcherFunction(app(true), env);
        assertThat(function.hasDeadLetterQueue()).isTrue();

        var response = function.handleRequest(streamBatch(dynamo, streams, ledgerTable), null);
        assertThat(response.getBatchItemFailures()).as("the poison event is stored, so the batch is done").isEmpty();
        assertThat(function.deadLetteredCount()).isEqualTo(1);
        assertThat(receiveAll(sqs, views)).as("a@1 and b@1 were published, a@2 was not").hasSize(2);

        // the letter carries the full ledger record, as the ledger holds it
        List<SqsDeadLetters.Letter> letters = new SqsDeadLetters(sqs, dlq).list();
        assertThat(letters).hasSize(1);
        assertThat(letters.get(0).feed().get().record()).isEqualTo(poison);
        assertThat(letters.get(0).feed().get().record())
                .isEqualTo(sums.read("a", ReadOptions.ALL).get(1));
        assertThat(letters.get(0).feed().get().attempts()).isEqualTo(AppDispatcherFunction.ATTEMPTS);

        assertThat(letters.get(0).kind()).isEqualTo(SqsDeadLetters.Kind.FEED);
        assertThat(letters.get(0).summary()).contains("dispatcher sum/a@2");
        assertThat(letters.get(0).error()).contains("negative amount -7");

        // fixed, redriven through a dispatcher over the same ledger and bus (the app given as --app would be)
        assertThat(redriveAll(sqs, dlq, dynamo, ledgerTable, events, bus)).isEqualTo(1);
        assertThat(new SqsDeadLetters(sqs, dlq).list()).isEmpty();
        List<Message> published = receiveAll(sqs, views);
        assertThat(published).hasSize(1);
        JsonNode aggregate = JsonCodec.parse(published.get(0).body()).path("detail").path("aggregate");
        assertThat(aggregate.path("aggregateId").asText()).isEqualTo("a");
        assertThat(aggregate.path("version").asLong()).isEqualTo(2);
        assertThat(aggregate.path("state").path("total").asLong()).isEqualTo(-6);
    }

    @Test
    void events_the_bus_keeps_refusing_wait_in_the_queue_with_their_records_until_tally_dlq_redrives_them() {
        String id = UUID.randomUUID().toString().substring(0, 8);
        DynamoDbClient dynamo = local(DynamoDbClient.builder()).build();
        DynamoDbStreamsClient streams = local(DynamoDbStreamsClient.builder()).build();
        EventBridgeClient events = local(EventBridgeClient.builder()).build();
        SqsClient sqs = local(SqsClient.builder()).build();
        String ledgerTable = "sums-ledger-" + id;
        DynamoDbTables.createIfMissing(dynamo, TableDefinitions.ledger(ledgerTable));
        String dlq = sqs.createQueue(r -> r.queueName("sums-dispatcher-dlq-" + id)).queueUrl();
        String bus = "sums-bus-" + id; // not created yet: PutEvents is refused
        EventStore<Sum> sums = EventStore.builder(sum(false), new DynamoDbLedger(dynamo, ledgerTable)).build();
        RecordedEvent a = sums.append("a", 0, new Added(3));
        RecordedEvent b = sums.append("b", 0, new Added(4));

        Map<String, String> env = deployedEnvironment(new AppTemplate(app(false), "sums.jar").render(), Map.of(
                "LedgerTable", ledgerTable, "SnapshotTable", "", "EventBus", bus, "DispatcherDeadLetters", dlq));
        env.put("AWS_REGION", MotoServer.REGION);
        env.put("AWS_ENDPOINT_URL", moto.endpoint().toString());
        AppDispatcherFunction function = new AppDispatcherFunction(app(false), env);
        var response = function.handleRequest(streamBatch(dynamo, streams, ledgerTable), null);
        assertThat(response.getBatchItemFailures()).as("both are durable in the queue, so the batch is done").isEmpty();
        assertThat(function.deadLetteredCount()).isEqualTo(2);
        List<SqsDeadLetters.Letter> letters = new SqsDeadLetters(sqs, dlq).list();
        assertThat(letters).extracting(l -> l.feed().get().record()).containsExactlyInAnyOrder(a, b);

        assertThat(letters).extracting(SqsDeadLetters.Letter::summary)
                .anySatisfy(s -> assertThat(s).contains("dispatcher sum/a@1"))
                .anySatisfy(s -> assertThat(s).contains("dispatcher sum/b@1"));

        // the bus is back: tally dlq redrives both through a dispatcher over the same ledger and bus
        events.createEventBus(r -> r.name(bus));
        String views = sqs.createQueue(r -> r.queueName("sums-views-" + id)).queueUrl();
        String viewsArn = sqs.getQueueAttributes(r -> r.queueUrl(views).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
        events.putRule(r -> r.eventBusName(bus).name("all").eventPattern(
                EventBridgeEvents.pattern(MessageFilter.stateOf("sum")).toString()));
        events.putTargets(r -> r.eventBusName(bus).rule("all").targets(t -> t.id("q").arn(viewsArn)));
        assertThat(redriveAll(sqs, dlq, dynamo, ledgerTable, events, bus)).isEqualTo(2);
        assertThat(receiveAll(sqs, views)).hasSize(2);
    }

    /** What {@code tally dlq redrive --all} does: each letter through a dispatcher over the ledger and the bus. */
    static int redriveAll(SqsClient sqs, String dlq, DynamoDbClient dynamo, String ledgerTable, EventBridgeClient events,
                          String bus) {
        Dispatcher dispatcher = new Dispatcher(List.of(EventStore.builder(sum(false),
                new DynamoDbLedger(dynamo, ledgerTable)).build()), new EventBridgeBus(events, bus));
        return new SqsDeadLetters(sqs, dlq).redriveAll(SqsDeadLetters.dispatcherRedrive(dispatcher), null);
    }

    static List<Message> receiveAll(SqsClient sqs, String url) {
        List<Message> all = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            List<Message> got = sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(1))
                    .messages();
            if (got.isEmpty()) {
                break;
            }
            all.addAll(got);
            got.forEach(m -> sqs.deleteMessage(r -> r.queueUrl(url).receiptHandle(m.receiptHandle())));
        }
        return all;
    }

    /** Every record of the ledger's stream, from the start, as the event source mapping delivers them. */
    static DynamodbEvent streamBatch(DynamoDbClient dynamo, DynamoDbStreamsClient streams, String table) {
        String arn = dynamo.describeTable(r -> r.tableName(table)).table().latestStreamArn();
        List<DynamodbEvent.DynamodbStreamRecord> records = new ArrayList<>();
        for (var shard : streams.describeStream(r -> r.streamArn(arn)).streamDescription().shards()) {
            String iterator = streams.getShardIterator(r -> r.streamArn(arn).shardId(shard.shardId())
                    .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
            while (iterator != null) {
                String it = iterator;
                var page = streams.getRecords(r -> r.shardIterator(it));
                page.records().forEach(r -> records.add(StreamRecords.toLambda(r, arn)));
                if (page.records().isEmpty()) {
                    break;
                }
                iterator = page.nextShardIterator();
            }
        }
        DynamodbEvent event = new DynamodbEvent();
        event.setRecords(records);
        return event;
    }
}
