package dev.tally.core.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.EventMetadata;
import dev.tally.core.RecordedEvent;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.saga.SagaRunner;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TraceTest {
    private static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");
    private final List<RecordedEvent> events = new ArrayList<>();

    private RecordedEvent event(String store, String id, long version, String type, int ms, String cause,
                                String... attributes) {
        EventMetadata m = EventMetadata.of("corr-o1", cause, "test");
        for (int i = 0; i < attributes.length; i += 2) {
            m = m.withAttribute(attributes[i], attributes[i + 1]);
        }
        RecordedEvent e = new RecordedEvent(store, id, version, type, 1, T0.plusMillis(ms), JsonCodec.object(), m);
        events.add(e);
        return e;
    }

    /** An order whose saga reserves stock, fails to debit, times out and releases the stock. */
    private void orderFlow() {
        event("order", "o1", 1, "OrderPlaced", 0, "command-1");
        event("order-saga", "o1", 1, "SagaStarted", 5, "state-carrying:order/o1@1");
        event("inventory", "apple", 7, "StockReserved", 10, "order-saga/o1@1");
        event("order-saga", "o1", 2, "StepRecorded", 11, "order-saga/o1@1",
                SagaRunner.STEP, "reserve:apple", SagaRunner.OUTCOME, "accepted", SagaRunner.TARGET, "inventory/apple");
        event("order-saga", "o1", 3, "StepRecorded", 20, "order-saga/o1@2",
                SagaRunner.STEP, "pay", SagaRunner.OUTCOME, "rejected: INSUFFICIENT_FUNDS",
                SagaRunner.TARGET, "bank-account/alice");
        event("order-saga", "o1", 4, "TimedOut", 30, "timer:t-abc");
        event("inventory", "apple", 8, "StockReleased", 40, "order-saga/o1@4");
    }

    @Test
    void theTreeFollowsCausesAcrossStoresAndSagas() {
        orderFlow();
        List<RecordedEvent> shuffled = new ArrayList<>(events);
        java.util.Collections.reverse(shuffled);
        List<TraceNode> roots = Trace.build(shuffled);

        assertThat(roots).hasSize(1);
        TraceNode request = roots.get(0);
        assertThat(request.kind()).isEqualTo(TraceNode.REQUEST);
        assertThat(request.detail()).isEqualTo("command-1");
        TraceNode placed = request.children().get(0);
        assertThat(placed.type()).isEqualTo("OrderPlaced");
        TraceNode started = placed.children().get(0);
        assertThat(started.store()).isEqualTo("order-saga");
        assertThat(started.children()).extracting(TraceNode::kind).containsExactly("command", "event");
        TraceNode reserve = started.children().get(0);
        assertThat(reserve.store()).isEqualTo("inventory");
        assertThat(reserve.outcome()).isEqualTo("accepted");
        assertThat(reserve.detail()).isEqualTo("reserve:apple");
        assertThat(reserve.children()).extracting(TraceNode::type).containsExactly("StockReserved");
        TraceNode replied = started.children().get(1);
        TraceNode pay = replied.children().get(0);
        assertThat(pay.kind()).isEqualTo(TraceNode.COMMAND);
        assertThat(pay.store()).isEqualTo("bank-account");
        assertThat(pay.outcome()).isEqualTo("rejected: INSUFFICIENT_FUNDS");
        assertThat(pay.children()).isEmpty();
        TraceNode timer = replied.children().get(1).children().get(0);
        assertThat(timer.kind()).isEqualTo(TraceNode.TIMER);
        assertThat(timer.detail()).isEqualTo("t-abc");
        assertThat(timer.children().get(0).type()).isEqualTo("TimedOut");
        assertThat(request.flatten()).filteredOn(n -> n.kind().equals(TraceNode.EVENT)).hasSize(events.size());
    }

    @Test
    void theTextIsAnIndentedTreeInTheOrderThingsHappened() {
        orderFlow();
        Trace.Result result = new Trace.Result("corr-o1", events.size(), false, Trace.build(events));
        String text = TraceText.render(result);

        assertThat(text).startsWith("trace corr-o1: 7 events\n");
        assertThat(text).contains("request command-1 -> order/o1  2026-12-07T10:00:00Z  accepted\n"
                + "└─ order/o1@1 OrderPlaced  2026-12-07T10:00:00Z  appended\n"
                + "   └─ order-saga/o1@1 SagaStarted  2026-12-07T10:00:00.005Z  appended\n"
                + "      ├─ command reserve:apple -> inventory/apple  2026-12-07T10:00:00.010Z  accepted\n"
                + "      │  └─ inventory/apple@7 StockReserved  2026-12-07T10:00:00.010Z  appended\n"
                + "      └─ order-saga/o1@2 StepRecorded  2026-12-07T10:00:00.011Z  appended\n");
        assertThat(text.indexOf("StockReserved")).isLessThan(text.indexOf("rejected: INSUFFICIENT_FUNDS"));
        assertThat(text.indexOf("timer t-abc")).isLessThan(text.indexOf("StockReleased"));
        assertThat(TraceText.render(TraceText.fromJson(JsonCodec.parse(JsonCodec.write(TraceText.json(result))))))
                .as("the JSON keeps everything the text shows").isEqualTo(text);
    }

    @Test
    void aTraceWithNoEventSaysSo() {
        assertThat(TraceText.render(new Trace.Result("nothing", 0, false, List.of())))
                .contains("no event carries this correlation id");
    }
}
