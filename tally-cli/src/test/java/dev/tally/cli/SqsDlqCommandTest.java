package dev.tally.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.aws.EventBridgeEvents;
import dev.tally.aws.SqsDeadLetterSink;
import dev.tally.core.AggregateDefinition;
import dev.tally.core.EventStore;
import dev.tally.core.RecordedEvent;
import dev.tally.core.app.TallyApp;
import dev.tally.core.message.MessageFilter;
import dev.tally.core.projection.Projection;
import dev.tally.dynamodb.DynamoDbLedger;
import dev.tally.dynamodb.DynamoDbTables;
import dev.tally.dynamodb.TableDefinitions;
import dev.tally.testing.MotoServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** {@code tally dlq list|redrive --sqs-queue} against SQS dead-letter queues on moto_server. */
class SqsDlqCommandTest {
    static MotoServer moto;
    static SqsClient sqs;

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

    static final AggregateDefinition<Sum> SUM = AggregateDefinition.of("sum", Sum.class, SumCommand.class,
            SumEvent.class, dev.tally.core.Decider.of(new Sum(0),
                    (SumCommand c, Sum s) -> dev.tally.core.command.Decision.<SumEvent>nothing(),
                    (s, e) -> new Sum(s.total() + ((Added) e.payload()).n())));

    static final TallyApp APP = new TallyApp() {
        @Override
        public String name() {
            return "sums";
        }

        @Override
        public List<AggregateDefinition<?>> stores() {
            return List.of(SUM);
        }

        @Override
        public List<Projection<?, ?>> projections() {
            return List.of();
        }
    };

    String id;
    String source;
    String dlq;

    @BeforeAll
    static void start() {
        // the command takes credentials from the default AWS chain, as on a workstation
        moto = MotoServer.startOrSkipAsDefaultCredentials();
        sqs = SqsClient.builder().region(Region.US_EAST_1).endpointOverride(moto.endpoint())
                .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create())
                .credentialsProvider(credentials()).build();
    }

    @AfterAll
    static void stop() {
        if (moto != null) {
            moto.close();
        }
    }

    static StaticCredentialsProvider credentials() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(MotoServer.ACCESS_KEY, MotoServer.SECRET_KEY));
    }

    @BeforeEach
    void queues() {
        id = UUID.randomUUID().toString().substring(0, 8);
        dlq = sqs.createQueue(r -> r.queueName("dlq-" + id)).queueUrl();
        source = sqs.createQueue(r -> r.queueName("src-" + id).attributes(Map.of(
                QueueAttributeName.VISIBILITY_TIMEOUT, "0",
                QueueAttributeName.REDRIVE_POLICY, "{\"deadLetterTargetArn\":\"" + arnOf(dlq) + "\",\"maxReceiveCount\":\"1\"}")))
                .queueUrl();
    }

    static String arnOf(String url) {
        return sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN)).attributes()
                .get(QueueAttributeName.QUEUE_ARN);
    }

    List<Message> receive(String url) {
        return sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(1)).messages();
    }

    record Run(int code, String out, String err) {
    }

    Run tally(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    String[] aws(String... args) {
        List<String> all = new java.util.ArrayList<>(List.of(args));
        all.addAll(List.of("--sqs-queue", dlq, "--region", "us-east-1", "--endpoint-url", moto.endpoint().toString()));
        return all.toArray(String[]::new);
    }

    /** A message a projector could not handle: received past maxReceiveCount, SQS moves it to the DLQ. */
    void failedDelivery(String body) {
        sqs.sendMessage(r -> r.queueUrl(source).messageBody(body));
        assertThat(receive(source)).hasSize(1); // received, not deleted (the handler failed)
        assertThat(receive(source)).isEmpty(); // moved to the dead-letter queue
    }

    /** An EventBridge event as a rule's SQS target receives it (the shape moto delivered in the test below). */
    static final String ENVELOPE = "{\"id\": \"e-1\", \"time\": \"2026-11-29T20:09:28Z\", \"version\": \"0\","
            + " \"detail-type\": \"Added\", \"source\": \"sum\", \"region\": \"us-east-1\", \"resources\": [],"
            + " \"detail\": {\"kind\": \"state-carrying\", \"aggregate\": {\"aggregateId\": \"a\", \"version\": 3,"
            + " \"state\": {\"total\": 9}}, \"lastEvent\": {\"store\": \"sum\", \"aggregateId\": \"a\", \"version\": 3,"
            + " \"type\": \"Added\", \"schemaVersion\": 1, \"timestamp\": \"2026-11-29T20:09:20.759Z\","
            + " \"payload\": {\"n\": 5}, \"metadata\": {}}}}";

    @Test
    void list_shows_the_letters_and_leaves_them_in_the_queue() {
        failedDelivery(ENVELOPE);
        Run r = tally(aws("dlq", "list"));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("queue").contains("state-carrying sum/a@3 Added");
        assertThat(tally(aws("dlq", "list")).out()).contains("sum/a@3");
    }

    @Test
    void redrive_all_sends_a_queues_letters_back_to_the_source_queue() {
        failedDelivery(ENVELOPE);
        Run r = tally(aws("dlq", "redrive", "--all", "--source-queue", source));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("redriven: 1, still failing: 0");
        assertThat(tally(aws("dlq", "list")).out()).contains("no dead letters");
        List<Message> back = receive(source);
        assertThat(back).hasSize(1);
        assertThat(back.get(0).body()).isEqualTo(ENVELOPE);
    }

    @Test
    void redrive_of_a_queue_letter_without_its_source_queue_says_what_to_pass_and_keeps_the_letter() {
        failedDelivery(ENVELOPE);
        Run r = tally(aws("dlq", "redrive", "--all"));
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("came from a queue");
        assertThat(tally(aws("dlq", "list")).out()).contains("sum/a@3");
    }

    @Test
    void a_dispatcher_letter_is_redriven_through_a_dispatcher_over_the_ledger_and_the_bus() {
        DynamoDbClient dynamo = DynamoDbClient.builder().region(Region.US_EAST_1).endpointOverride(moto.endpoint())
                .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create())
                .credentialsProvider(credentials()).build();
        EventBridgeClient events = EventBridgeClient.builder().region(Region.US_EAST_1).endpointOverride(moto.endpoint())
                .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create())
                .credentialsProvider(credentials()).build();
        String table = "ledger-" + id;
        DynamoDbTables.createIfMissing(dynamo, TableDefinitions.ledger(table));
        EventStore<Sum> sums = EventStore.builder(SUM, new DynamoDbLedger(dynamo, table)).build();
        sums.append("a", 0, new Added(4));
        RecordedEvent e = sums.append("a", 1, new Added(5));
        new SqsDeadLetterSink(sqs, dlq).add(e, "java.lang.IllegalStateException: reducer bug", 3);

        String bus = "bus-" + id;
        String views = sqs.createQueue(r -> r.queueName("views-" + id)).queueUrl();
        events.createEventBus(r -> r.name(bus));
        events.putRule(r -> r.eventBusName(bus).name("all").eventPattern(
                EventBridgeEvents.pattern(MessageFilter.stateOf("sum")).toString()));
        events.putTargets(r -> r.eventBusName(bus).rule("all").targets(t -> t.id("q").arn(arnOf(views))));

        assertThat(tally(aws("dlq", "list")).out()).contains("feed").contains("dispatcher sum/a@2")
                .contains("reducer bug");
        Run missing = tally(aws("dlq", "redrive", "--all"));
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("--ledger-table and --event-bus");

        SqsDlq command = new SqsDlq(new SqsDlq.Options(dlq, null, "us-east-1", moto.endpoint(), table, bus),
                () -> List.of(APP));
        StringWriter out = new StringWriter();
        assertThat(command.redrive(null, new PrintWriter(out, true))).isZero();
        assertThat(out.toString()).contains("redriven: 1, still failing: 0");
        assertThat(command.deadLetters().list()).isEmpty();

        List<Message> published = receive(views);
        assertThat(published).hasSize(1);
        // moto re-serialises the EventBridge envelope (spaces after colons): compare as JSON
        var aggregate = dev.tally.core.json.JsonCodec.parse(published.get(0).body()).path("detail").path("aggregate");
        assertThat(aggregate.path("aggregateId").asText()).isEqualTo("a");
        assertThat(aggregate.path("version").asLong()).isEqualTo(2);
        assertThat(aggregate.path("state").path("total").asLong()).isEqualTo(9);
    }
}
