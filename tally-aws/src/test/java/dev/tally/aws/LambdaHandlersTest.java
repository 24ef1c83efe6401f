package dev.tally.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.AggregateDefinition;
import dev.tally.core.EventStore;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.memory.InMemoryLedger;
import dev.tally.core.spi.ClaimResolver;
import dev.tally.core.runtime.Dispatcher;
import dev.tally.core.message.Message;
import dev.tally.core.message.MessageCodec;
import dev.tally.core.message.StateCarryingMessage;
import dev.tally.dynamodb.LedgerItems;
import dev.tally.testing.TestEvents;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class LambdaHandlersTest {
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

    final InMemoryLedger ledger = new InMemoryLedger();
    final EventStore<Sum> store = EventStore.builder(SUM, ledger).build();
    final List<Message> published = new ArrayList<>();
    final Dispatcher dispatcher = new Dispatcher(List.of(store), published::addAll);

    List<RecordedEvent> threeEvents() {
        for (int i = 1; i <= 3; i++) {
            store.append("a", i - 1, new Added(i));
        }
        return store.read("a", ReadOptions.ALL);
    }

    static DynamodbEvent streamEvent(List<DynamodbEvent.DynamodbStreamRecord> records) {
        DynamodbEvent e = new DynamodbEvent();
        e.setRecords(records);
        return e;
    }

    @Test
    void dispatchesLedgerInsertsOnlyWithTheAggregateAsOfEachEvent() {
        List<RecordedEvent> events = threeEvents();
        List<DynamodbEvent.DynamodbStreamRecord> records = new ArrayList<>();
        records.add(StreamRecords.insertOf(events.get(0), "100", "arn"));
        DynamodbEvent.DynamodbStreamRecord modify = StreamRecords.insertOf(events.get(1), "101", "arn");
        modify.setEventName("MODIFY");
        records.add(modify);
        DynamodbEvent.DynamodbStreamRecord foreign = StreamRecords.insertOf(events.get(1), "102", "arn");
        foreign.getDynamodb().getNewImage().remove(LedgerItems.KIND);
        records.add(foreign);
        records.add(StreamRecords.insertOf(events.get(1), "103", "arn"));
        records.add(StreamRecords.insertOf(events.get(2), "104", "arn"));

        StreamsEventResponse r = new StreamDispatcherHandler(dispatcher).handleRequest(streamEvent(records), null);
        assertThat(r.getBatchItemFailures()).isEmpty();
        assertThat(published).hasSize(3);
        assertThat(published).extracting(m -> ((StateCarryingMessage) m).aggregate(Sum.class).state().total())
                .containsExactly(1L, 3L, 6L);
    }

    @Test
    void reportsTheFirstEventItCannotDispatchSoLambdaRetriesFromThere() {
        List<RecordedEvent> events = threeEvents();
        RecordedEvent stranger = TestEvents.event("unknown", "x", 1);
        List<DynamodbEvent.DynamodbStreamRecord> records = List.of(
                StreamRecords.insertOf(events.get(0), "200", "arn"),
                StreamRecords.insertOf(stranger, "201", "arn"),
                StreamRecords.insertOf(events.get(1), "202", "arn"));
        StreamsEventResponse r = new StreamDispatcherHandler(dispatcher).handleRequest(streamEvent(records), null);
        assertThat(r.getBatchItemFailures()).extracting(StreamsEventResponse.BatchItemFailure::getItemIdentifier)
                .containsExactly("201");
        assertThat(published).hasSize(1);
    }

    @Test
    void aBusFailureFailsTheBatchFromItsFirstRecord() {
        List<RecordedEvent> events = threeEvents();
        Dispatcher failing = new Dispatcher(List.of(store), messages -> {
            throw new IllegalStateException("EventBridge down");
        });
        StreamsEventResponse r = new StreamDispatcherHandler(failing).handleRequest(streamEvent(List.of(
                StreamRecords.insertOf(events.get(0), "300", "arn"),
                StreamRecords.insertOf(events.get(1), "301", "arn"))), null);
        assertThat(r.getBatchItemFailures()).extracting(StreamsEventResponse.BatchItemFailure::getItemIdentifier)
                .containsExactly("300");
    }

    @Test
    void sqsTargetReportsOnlyTheFailedRecords() {
        List<RecordedEvent> events = threeEvents();
        List<Message> handled = new ArrayList<>();
        SqsTargetHandler handler = new SqsTargetHandler(m -> {
            if (m.version() == 2) {
                throw new IllegalStateException("projector bug");
            }
            handled.add(m);
        }, ClaimResolver.NONE);
        SQSEvent event = new SQSEvent();
        List<SQSEvent.SQSMessage> records = new ArrayList<>();
        records.add(sqs("m1", MessageCodec.toJsonString(dispatcher.messageFor(events.get(0)))));
        records.add(sqs("m2", MessageCodec.toJsonString(dispatcher.messageFor(events.get(1)))));
        records.add(sqs("m3", envelope(dispatcher.messageFor(events.get(2))).toString()));
        records.add(sqs("m4", "not json"));
        event.setRecords(records);
        SQSBatchResponse r = handler.handleRequest(event, null);
        assertThat(r.getBatchItemFailures()).extracting(SQSBatchResponse.BatchItemFailure::getItemIdentifier)
                .containsExactly("m2", "m4");
        assertThat(handled).extracting(Message::version).containsExactly(1L, 3L);
    }

    @Test
    void eventBridgeTargetHandsTheDetailToTheHandlerAndFailsLoudly() throws Exception {
        List<RecordedEvent> events = threeEvents();
        List<Message> handled = new ArrayList<>();
        StateCarryingMessage m = dispatcher.messageFor(events.get(1));
        EventBridgeTargetHandler ok = new EventBridgeTargetHandler(handled::add, ClaimResolver.NONE);
        ok.handleRequest(new ByteArrayInputStream(envelope(m).toString().getBytes(StandardCharsets.UTF_8)),
                new ByteArrayOutputStream(), null);
        assertThat(handled).containsExactly(m);

        EventBridgeTargetHandler broken = new EventBridgeTargetHandler(x -> {
            throw new IllegalStateException("boom");
        }, ClaimResolver.NONE);
        assertThatThrownBy(() -> broken.handleRequest(new ByteArrayInputStream(
                envelope(m).toString().getBytes(StandardCharsets.UTF_8)), new ByteArrayOutputStream(), null))
                .hasMessageContaining("boom");
    }

    @Test
    void aClaimCheckIsResolvedFromTheLedger() throws Exception {
        List<RecordedEvent> events = threeEvents();
        ObjectNode envelope = envelope(dispatcher.messageFor(events.get(2)));
        envelope.set("detail", MessageCodec.claimCheck(dispatcher.messageFor(events.get(2))));
        List<Message> handled = new ArrayList<>();
        new EventBridgeTargetHandler(handled::add, dispatcher).handleRequest(
                new ByteArrayInputStream(envelope.toString().getBytes(StandardCharsets.UTF_8)),
                new ByteArrayOutputStream(), null);
        assertThat(handled).containsExactly(dispatcher.messageFor(events.get(2)));
        assertThatThrownBy(() -> new EventBridgeTargetHandler(handled::add, ClaimResolver.NONE).handleRequest(
                new ByteArrayInputStream(envelope.toString().getBytes(StandardCharsets.UTF_8)),
                new ByteArrayOutputStream(), null)).hasMessageContaining("has no ClaimResolver");
    }

    @Test
    void streamRecordAttributesSurviveBothModels() {
        Map<String, AttributeValue> item = Map.of(
                "s", AttributeValue.fromS("text"), "n", AttributeValue.fromN("-12.5"),
                "b", AttributeValue.fromBool(true), "z", AttributeValue.fromNul(true),
                "m", AttributeValue.fromM(Map.of("deep", AttributeValue.fromL(List.of(AttributeValue.fromN("1"))))),
                "bin", AttributeValue.fromB(SdkBytes.fromUtf8String("raw")),
                "ss", AttributeValue.fromSs(List.of("a", "b")));
        assertThat(StreamRecords.toSdk(StreamRecords.toLambda(item))).isEqualTo(item);
    }

    @Test
    void patternsComeFromFilters() {
        assertThat(EventBridgeEvents.pattern(dev.tally.core.message.MessageFilter.stateOf("bank-account")
                .withEventTypes(java.util.Set.of("Debited", "Credited"))).toString())
                .isEqualTo("{\"source\":[\"bank-account\"],\"detail-type\":[\"Credited\",\"Debited\"],"
                        + "\"detail\":{\"kind\":[\"state-carrying\"]}}");
        assertThat(EventBridgeEvents.pattern(dev.tally.core.message.MessageFilter.ANY).toString())
                .isEqualTo("{\"detail\":{\"kind\":[\"notification\",\"state-carrying\"]}}");
    }

    static SQSEvent.SQSMessage sqs(String id, String body) {
        SQSEvent.SQSMessage m = new SQSEvent.SQSMessage();
        m.setMessageId(id);
        m.setBody(body);
        return m;
    }

    static ObjectNode envelope(Message m) {
        ObjectNode e = JsonCodec.object();
        e.put("version", "0").put("id", "x").put("detail-type", m.eventType()).put("source", m.store());
        e.set("detail", MessageCodec.toJson(m));
        return e;
    }
}
