package dev.tally.aws.moto;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import dev.tally.aws.EventBridgeBus;
import dev.tally.aws.EventBridgeEvents;
import dev.tally.aws.SqsDeadLetterSink;
import dev.tally.aws.SqsDeadLetters;
import dev.tally.aws.SqsTargetHandler;
import dev.tally.aws.StreamDispatcherHandler;
import dev.tally.aws.StreamRecords;
import dev.tally.core.AggregateDefinition;
import dev.tally.core.EventStore;
import dev.tally.core.RetryPolicy;
import dev.tally.core.message.MessageHandler;
import dev.tally.core.projection.Projection;
import dev.tally.core.projection.Projector;
import dev.tally.core.projection.Versioned;
import dev.tally.core.runtime.Dispatcher;
import dev.tally.dynamodb.DynamoDbLedger;
import dev.tally.dynamodb.DynamoDbProjectionWriter;
import dev.tally.dynamodb.DynamoDbTables;
import dev.tally.dynamodb.TableDefinitions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableRequest;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.CreateEventBusRequest;
import software.amazon.awssdk.services.eventbridge.model.PutRuleRequest;
import software.amazon.awssdk.services.eventbridge.model.PutTargetsRequest;
import software.amazon.awssdk.services.eventbridge.model.Target;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.CreateQueueRequest;
import software.amazon.awssdk.services.sqs.model.DeleteMessageRequest;
import software.amazon.awssdk.services.sqs.model.GetQueueAttributesRequest;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageRequest;

/**
 * The AWS pipeline of the deployment, every hop answered by moto_server instead of Tally's own
 * emulators: ledger appends on DynamoDB -> its stream read with the Streams API -> the stream
 * dispatcher handler -> PutEvents on an EventBridge bus -> a rule with an SQS target -> the SQS
 * projector handler -> the view table; a failing projector's message in the queue's dead-letter
 * queue (SQS redrive policy) and redriven; the dispatcher's own dead-letter queue with full records,
 * for a poison event and for a bus that keeps refusing.
 *
 * <p>Where moto differs from AWS (and so what this cannot show): moto delivers an EventBridge
 * target synchronously inside PutEvents and never retries a target; it does not run Lambda event
 * source mappings, so this test reads the stream and the queue itself and hands the records to
 * the handlers, as the mapping would; moto moves a message to the dead-letter queue when it is
 * received more than maxReceiveCount times, as SQS does.
 */
class AwsPipelineMotoTest {
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

    record TotalView(long total) {
    }

    /** Refuses negative amounts when folding: a reducer bug that makes an event impossible to dispatch. */
    static final AggregateDefinition<Sum> STRICT = AggregateDefinition.of("sum", Sum.class, SumCommand.class,
            SumEvent.class, dev.tally.core.Decider.of(new Sum(0),
                    (SumCommand c, Sum s) -> dev.tally.core.command.Decision.<SumEvent>nothing(),
                    (s, e) -> {
                        long n = ((Added) e.payload()).n();
                        if (n < 0) {
                            throw new IllegalStateException("negative amount " + n + " (reducer bug)");
                        }
                        return new Sum(s.total() + n);
                    }));

    /** The same store with the bug fixed. */
    static final AggregateDefinition<Sum> FIXED = AggregateDefinition.of("sum", Sum.class, SumCommand.class,
            SumEvent.class, dev.tally.core.Decider.of(new Sum(0),
                    (SumCommand c, Sum s) -> dev.tally.core.command.Decision.<SumEvent>nothing(),
                    (s, e) -> new Sum(s.total() + ((Added) e.payload()).n())));

    static final Projection<Sum, TotalView> TOTAL = Projection.of("total", FIXED, TotalView.class,
            a -> new TotalView(a.state().total()));

    DynamoDbClient dynamo;
    DynamoDbStreamsClient streams;
    EventBridgeClient events;
    SqsClient sqs;
    String id;
    String ledgerTable;
    DynamoDbLedger ledger;
    String bus;
    String queueUrl;
    String queueDlqUrl;
    String dispatcherDlqUrl;
    DynamoDbProjectionWriter<TotalView> views;

    @BeforeEach
    void infrastructure() {
        MotoAws.moto();
        dynamo = MotoAws.dynamoDb();
        streams = MotoAws.streams();
        events = MotoAws.eventBridge();
        sqs = MotoAws.sqs();
        id = UUID.randomUUID().toString().substring(0, 8);

        ledgerTable = "ledger-" + id;
        DynamoDbTables.createIfMissing(dynamo, TableDefinitions.ledger(ledgerTable));
        ledger = new DynamoDbLedger(dynamo, ledgerTable);
        String viewTable = "views-total-" + id;
        DynamoDbTables.createIfMissing(dynamo, TableDefinitions.views(viewTable));
        views = new DynamoDbProjectionWriter<>(dynamo, viewTable, TotalView.class);

        queueDlqUrl = sqs.createQueue(CreateQueueRequest.builder().queueName("total-dlq-" + id).build()).queueUrl();
        queueUrl = sqs.createQueue(CreateQueueRequest.builder().queueName("total-" + id)
                .attributes(Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, "0",
                        QueueAttributeName.REDRIVE_POLICY, "{\"deadLetterTargetArn\":\"" + arnOf(queueDlqUrl)
                                + "\",\"maxReceiveCount\":\"2\"}"))
                .build()).queueUrl();
        dispatcherDlqUrl = sqs.createQueue(CreateQueueRequest.builder().queueName("dispatcher-dlq-" + id).build())
                .queueUrl();

        bus = "tally-" + id;
        events.createEventBus(CreateEventBusRequest.builder().name(bus).build());
        events.putRule(PutRuleRequest.builder().eventBusName(bus).name("total")
                .eventPattern(EventBridgeEvents.pattern(TOTAL.filter()).toString()).build());
        events.putTargets(PutTargetsRequest.builder().eventBusName(bus).rule("total")
                .targets(Target.builder().id("total-queue").arn(arnOf(queueUrl)).build()).build());
    }

    String arnOf(String url) {
        return sqs.getQueueAttributes(GetQueueAttributesRequest.builder().queueUrl(url)
                .attributeNames(QueueAttributeName.QUEUE_ARN).build()).attributes().get(QueueAttributeName.QUEUE_ARN);
    }

    EventStore<Sum> store(AggregateDefinition<Sum> definition) {
        return EventStore.builder(definition, ledger).build();
    }

    Dispatcher dispatcher(AggregateDefinition<Sum> definition) {
        return new Dispatcher(List.of(store(definition)), new EventBridgeBus(events, bus,
                new RetryPolicy(2, Duration.ofMillis(1), Duration.ofMillis(5))));
    }

    /** Every record of the ledger's stream, from the start, as Lambda delivers them. */
    DynamodbEvent streamBatch() {
        String arn = dynamo.describeTable(DescribeTableRequest.builder().tableName(ledgerTable).build()).table()
                .latestStreamArn();
        assertThat(arn).as("the ledger table has a stream").isNotNull();
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

    List<Message> receive(String url) {
        return sqs.receiveMessage(ReceiveMessageRequest.builder().queueUrl(url).maxNumberOfMessages(10)
                .waitTimeSeconds(1).build()).messages();
    }

    /** One SQS event source mapping poll: receive, invoke the handler, delete what it did not report failed. */
    SQSBatchResponse deliver(String url, MessageHandler projector) {
        List<Message> messages = receive(url);
        SQSEvent event = new SQSEvent();
        List<SQSEvent.SQSMessage> records = new ArrayList<>();
        for (Message m : messages) {
            SQSEvent.SQSMessage r = new SQSEvent.SQSMessage();
            r.setMessageId(m.messageId());
            r.setReceiptHandle(m.receiptHandle());
            r.setBody(m.body());
            records.add(r);
        }
        event.setRecords(records);
        SQSBatchResponse response = new SqsTargetHandler(projector, dev.tally.core.spi.ClaimResolver.NONE)
                .handleRequest(event, null);
        List<String> failed = response.getBatchItemFailures().stream()
                .map(SQSBatchResponse.BatchItemFailure::getItemIdentifier).toList();
        for (Message m : messages) {
            if (!failed.contains(m.messageId())) {
                sqs.deleteMessage(DeleteMessageRequest.builder().queueUrl(url).receiptHandle(m.receiptHandle()).build());
            }
        }
        return response;
    }

    long visible(String url) {
        return new SqsDeadLetters(sqs, url).count();
    }

    @Test
    void ledger_stream_dispatcher_eventbridge_rule_sqs_projector_view() {
        EventStore<Sum> sums = store(FIXED);
        sums.append("a", 0, new Added(1));
        sums.append("a", 1, new Added(2));
        sums.append("a", 2, new Added(3));
        sums.append("b", 0, new Added(10));

        DynamodbEvent batch = streamBatch();
        assertThat(batch.getRecords()).hasSize(4);
        StreamsEventResponse dispatched = new StreamDispatcherHandler(dispatcher(FIXED)).handleRequest(batch, null);
        assertThat(dispatched.getBatchItemFailures()).isEmpty();

        Projector<Sum, TotalView> projector = new Projector<>(TOTAL, views);
        int delivered = 0;
        for (int poll = 0; poll < 10 && delivered < 4; poll++) {
            SQSBatchResponse r = deliver(queueUrl, projector);
            assertThat(r.getBatchItemFailures()).isEmpty();
            delivered = (int) (projector.writtenCount() + projector.staleCount());
        }
        assertThat(delivered).isEqualTo(4);
        assertThat(views.read("a")).contains(new Versioned<>("a", 3, new TotalView(6)));
        assertThat(views.read("b")).contains(new Versioned<>("b", 1, new TotalView(10)));
        assertThat(visible(queueUrl)).isZero();
    }

    @Test
    void a_projector_failure_ends_in_the_queues_dead_letter_queue_and_is_redriven_from_there() {
        store(FIXED).append("bad", 0, new Added(5));
        assertThat(new StreamDispatcherHandler(dispatcher(FIXED)).handleRequest(streamBatch(), null)
                .getBatchItemFailures()).isEmpty();

        AtomicBoolean broken = new AtomicBoolean(true);
        Projector<Sum, TotalView> projector = new Projector<>(TOTAL, views);
        MessageHandler flaky = m -> {
            if (broken.get()) {
                throw new IllegalStateException("view table unavailable");
            }
            projector.handle(m);
        };
        // receive 1 and 2 fail (batch item failure: the message returns); the third receive finds it moved
        for (int poll = 0; poll < 3; poll++) {
            deliver(queueUrl, flaky);
        }
        assertThat(visible(queueUrl)).isZero();
        SqsDeadLetters dlq = new SqsDeadLetters(sqs, queueDlqUrl);
        List<SqsDeadLetters.Letter> letters = dlq.list();
        assertThat(letters).hasSize(1);
        assertThat(letters.get(0).kind()).isEqualTo(SqsDeadLetters.Kind.QUEUE);
        assertThat(letters.get(0).summary()).isEqualTo("state-carrying sum/bad@1 Added");
        assertThat(dlq.list()).as("listing leaves the letters in the queue").hasSize(1);

        broken.set(false);
        assertThat(dlq.redriveAll(null, queueUrl)).isEqualTo(1);
        assertThat(dlq.list()).isEmpty();
        assertThat(deliver(queueUrl, flaky).getBatchItemFailures()).isEmpty();
        assertThat(views.read("bad")).contains(new Versioned<>("bad", 1, new TotalView(5)));
    }

    @Test
    void the_dispatcher_dead_letters_an_event_it_cannot_dispatch_with_its_full_record_and_goes_on() {
        EventStore<Sum> sums = store(FIXED);
        sums.append("a", 0, new Added(1));
        sums.append("a", 1, new Added(-7));
        sums.append("b", 0, new Added(2));
        DynamodbEvent batch = streamBatch();

        SqsDeadLetterSink sink = new SqsDeadLetterSink(sqs, dispatcherDlqUrl);
        StreamDispatcherHandler handler = new StreamDispatcherHandler(dispatcher(STRICT), sink,
                new RetryPolicy(2, Duration.ofMillis(1), Duration.ofMillis(2)));
        assertThat(handler.handleRequest(batch, null).getBatchItemFailures())
                .as("the poison event is stored, so the batch is done").isEmpty();
        assertThat(handler.deadLetteredCount()).isEqualTo(1);

        SqsDeadLetters dlq = new SqsDeadLetters(sqs, dispatcherDlqUrl);
        List<SqsDeadLetters.Letter> letters = dlq.list();
        assertThat(letters).hasSize(1);
        SqsDeadLetters.Letter letter = letters.get(0);
        assertThat(letter.kind()).isEqualTo(SqsDeadLetters.Kind.FEED);
        assertThat(letter.summary()).isEqualTo("dispatcher sum/a@2");
        assertThat(letter.error()).contains("negative amount -7");
        assertThat(letter.feed().get().record()).isEqualTo(sums.read("a", dev.tally.core.ReadOptions.ALL).get(1));
        assertThat(letter.feed().get().attempts()).isEqualTo(2);

        // a@1 and b@1 went on to the projector's queue; a@2 did not
        Projector<Sum, TotalView> projector = new Projector<>(TOTAL, views);
        deliver(queueUrl, projector);
        deliver(queueUrl, projector);
        assertThat(views.read("a")).contains(new Versioned<>("a", 1, new TotalView(1)));
        assertThat(views.read("b")).contains(new Versioned<>("b", 1, new TotalView(2)));

        // fixed, redriven through a dispatcher over the same ledger and bus: the view catches up
        assertThat(dlq.redrive(letter.id(), SqsDeadLetters.dispatcherRedrive(dispatcher(FIXED)), null)).isTrue();
        assertThat(dlq.list()).isEmpty();
        deliver(queueUrl, projector);
        assertThat(views.read("a")).contains(new Versioned<>("a", 2, new TotalView(-6)));
    }

    @Test
    void an_unreadable_ledger_record_goes_to_the_dead_letter_queue_with_its_item_and_the_batch_goes_on() {
        EventStore<Sum> sums = store(FIXED);
        sums.append("a", 0, new Added(-3));
        sums.append("b", 0, new Added(1));
        sums.append("c", 0, new Added(2));
        DynamodbEvent batch = streamBatch();
        // the second record's item lost an attribute the reader needs: it cannot be decoded
        batch.getRecords().get(1).getDynamodb().getNewImage().remove("timestamp");

        StreamDispatcherHandler handler = new StreamDispatcherHandler(dispatcher(STRICT),
                new SqsDeadLetterSink(sqs, dispatcherDlqUrl), new RetryPolicy(1, Duration.ofMillis(1), Duration.ofMillis(1)));
        StreamsEventResponse r = handler.handleRequest(batch, null);
        assertThat(r.getBatchItemFailures()).as("both letters are durable in the queue, so the batch is done").isEmpty();
        List<SqsDeadLetters.Letter> letters = new SqsDeadLetters(sqs, dispatcherDlqUrl).list();
        assertThat(letters).extracting(SqsDeadLetters.Letter::summary)
                .containsExactlyInAnyOrder("dispatcher sum/a@1", "dispatcher sum/b@1 (unreadable item)");
        SqsDeadLetters.Letter unreadable = letters.stream().filter(l -> l.summary().contains("unreadable")).findFirst()
                .orElseThrow();
        assertThat(unreadable.error()).contains("could not be read as an event");
        var item = unreadable.feed().get().optionalItem().orElseThrow();
        assertThat(item.get("aggregateId").get("S").asText()).isEqualTo("b");
        assertThat(item.get("version").get("N").asText()).isEqualTo("1");
        assertThat(item.get("payload").get("M").get("n").get("N").asText()).isEqualTo("1");
        assertThat(item.has("timestamp")).isFalse();
        assertThat(handler.deadLetteredCount()).isEqualTo(2);
    }

    @Test
    void a_redrive_that_fails_again_leaves_the_letter_in_the_queue() {
        store(FIXED).append("a", 0, new Added(-1));
        StreamDispatcherHandler handler = new StreamDispatcherHandler(dispatcher(STRICT),
                new SqsDeadLetterSink(sqs, dispatcherDlqUrl), new RetryPolicy(1, Duration.ofMillis(1), Duration.ofMillis(1)));
        assertThat(handler.handleRequest(streamBatch(), null).getBatchItemFailures()).isEmpty();
        SqsDeadLetters dlq = new SqsDeadLetters(sqs, dispatcherDlqUrl);
        assertThat(dlq.redriveAll(SqsDeadLetters.dispatcherRedrive(dispatcher(STRICT)), null)).isZero();
        assertThat(dlq.list()).hasSize(1);
    }

    @Test
    void when_the_dead_letter_queue_refuses_the_letter_the_record_is_reported_failed_so_lambda_retries_it() {
        EventStore<Sum> sums = store(FIXED);
        sums.append("a", 0, new Added(1));
        sums.append("a", 1, new Added(-7));
        DynamodbEvent batch = streamBatch();
        String missingQueue = dispatcherDlqUrl + "-does-not-exist";
        StreamDispatcherHandler handler = new StreamDispatcherHandler(dispatcher(STRICT),
                new SqsDeadLetterSink(sqs, missingQueue), new RetryPolicy(1, Duration.ofMillis(1), Duration.ofMillis(1)));
        StreamsEventResponse r = handler.handleRequest(batch, null);
        assertThat(r.getBatchItemFailures()).hasSize(1);
        assertThat(r.getBatchItemFailures().get(0).getItemIdentifier())
                .isEqualTo(batch.getRecords().get(1).getDynamodb().getSequenceNumber());
        assertThat(handler.deadLetteredCount()).isZero();
    }

    @Test
    void a_bus_that_keeps_refusing_sends_the_rest_of_the_batch_to_the_dead_letter_queue_with_the_records() {
        EventStore<Sum> sums = store(FIXED);
        sums.append("a", 0, new Added(1));
        sums.append("b", 0, new Added(2));
        DynamodbEvent batch = streamBatch();
        String missingBus = "no-such-bus-" + id;
        Dispatcher toMissingBus = new Dispatcher(List.of(store(FIXED)), new EventBridgeBus(events, missingBus,
                new RetryPolicy(2, Duration.ofMillis(1), Duration.ofMillis(2))));
        StreamDispatcherHandler handler = new StreamDispatcherHandler(toMissingBus,
                new SqsDeadLetterSink(sqs, dispatcherDlqUrl), new RetryPolicy(2, Duration.ofMillis(1), Duration.ofMillis(1)));
        StreamsEventResponse r = handler.handleRequest(batch, null);
        assertThat(r.getBatchItemFailures()).as("both events are durable in the queue, so the batch is done").isEmpty();
        assertThat(handler.deadLetteredCount()).isEqualTo(2);

        SqsDeadLetters dlq = new SqsDeadLetters(sqs, dispatcherDlqUrl);
        List<SqsDeadLetters.Letter> letters = dlq.list();
        assertThat(letters).extracting(SqsDeadLetters.Letter::summary)
                .containsExactlyInAnyOrder("dispatcher sum/a@1", "dispatcher sum/b@1");
        assertThat(letters).allSatisfy(l -> assertThat(l.feed().get().record()).isEqualTo(
                ledger.read("sum", l.feed().get().aggregateId(), dev.tally.core.ReadOptions.ALL).get(0)));
        assertThat(letters).filteredOn(l -> l.summary().endsWith("b@1")).singleElement()
                .satisfies(l -> assertThat(l.error()).contains("the bus refused sum/a@1 before it"));

        // the bus is back: a redrive publishes them to the projector's queue
        events.createEventBus(CreateEventBusRequest.builder().name(missingBus).build());
        events.putRule(PutRuleRequest.builder().eventBusName(missingBus).name("total")
                .eventPattern(EventBridgeEvents.pattern(TOTAL.filter()).toString()).build());
        events.putTargets(PutTargetsRequest.builder().eventBusName(missingBus).rule("total")
                .targets(Target.builder().id("total-queue").arn(arnOf(queueUrl)).build()).build());
        assertThat(dlq.redriveAll(SqsDeadLetters.dispatcherRedrive(toMissingBus), null)).isEqualTo(2);
        assertThat(dlq.list()).isEmpty();
        Projector<Sum, TotalView> projector = new Projector<>(TOTAL, views);
        deliver(queueUrl, projector);
        deliver(queueUrl, projector);
        assertThat(views.read("a")).contains(new Versioned<>("a", 1, new TotalView(1)));
        assertThat(views.read("b")).contains(new Versioned<>("b", 1, new TotalView(2)));
    }

    @Test
    void the_ledger_stream_on_moto_carries_inserts_with_the_new_image_only() {
        store(FIXED).append("a", 0, new Added(1));
        var record = streamBatch().getRecords().get(0);
        assertThat(record.getEventName()).isEqualTo("INSERT");
        assertThat(record.getDynamodb().getNewImage()).isNotEmpty();
        assertThat(StreamRecords.isLedgerInsert(record)).isTrue();
        assertThat(StreamRecords.toEvent(record)).isEqualTo(ledger.read("sum", "a", dev.tally.core.ReadOptions.ALL).get(0));
    }
}
