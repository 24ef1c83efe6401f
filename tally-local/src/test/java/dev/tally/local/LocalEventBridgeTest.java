package dev.tally.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.aws.EventBridgeBus;
import dev.tally.core.EventMetadata;
import dev.tally.core.RetryPolicy;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.internal.Chaos;
import dev.tally.core.message.Message;
import dev.tally.core.message.MessageFilter;
import dev.tally.core.message.PublishFailed;
import dev.tally.core.message.StateCarryingMessage;
import dev.tally.core.runtime.Target;
import dev.tally.testing.TestEvents;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequest;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequestEntry;
import software.amazon.awssdk.services.eventbridge.model.PutEventsResponse;

class LocalEventBridgeTest {

    private static StateCarryingMessage message(long version, ObjectNode state) {
        return new StateCarryingMessage(TestEvents.event("bank-account", "alice", version, "Credited",
                JsonCodec.object().put("amount", version), EventMetadata.empty()), state);
    }

    @Test
    void theSdkPublishesOnlyTheFailedEntriesAgain() {
        try (SdkToLocalEventBridge bus = new SdkToLocalEventBridge(Chaos.NONE, (k, s, id, v) -> null)) {
            Set<String> got = ConcurrentHashMap.newKeySet();
            bus.subscribe(Target.of("all", MessageFilter.ANY, m -> got.add(m.id())));
            bus.router.failNextEntries(3);
            List<Message> messages = new ArrayList<>();
            for (int v = 1; v <= 25; v++) {
                messages.add(message(v, JsonCodec.object().put("balance", v)));
            }
            bus.publish(messages);
            assertThat(bus.awaitIdle(Duration.ofSeconds(10))).isTrue();
            assertThat(got).hasSize(25);
            assertThat(bus.publisher.retriedEntryCount()).isEqualTo(3);
            assertThat(bus.publisher.publishedCount()).isEqualTo(25);
            assertThat(bus.router.receivedCount()).as("no entry was accepted twice").isEqualTo(25);
        }
    }

    @Test
    void entriesThatKeepFailingAreReportedNotDropped() {
        try (SdkToLocalEventBridge bus = new SdkToLocalEventBridge(Chaos.NONE, (k, s, id, v) -> null)) {
            EventBridgeBus impatient = new EventBridgeBus(bus.router.client(), "tally-test-bus",
                    new RetryPolicy(2, Duration.ofMillis(1), Duration.ofMillis(2)));
            bus.router.failNextEntries(100);
            assertThatThrownBy(() -> impatient.publish(List.of(message(1, JsonCodec.object()))))
                    .isInstanceOf(PublishFailed.class)
                    .hasMessageContaining("did not accept 1 message(s) after 2 attempts")
                    .satisfies(e -> assertThat(((PublishFailed) e).failed()).hasSize(1));
        }
    }

    @Test
    void aMessageOverTheEntryLimitTravelsAsAClaimCheck() {
        StateCarryingMessage huge = message(7, JsonCodec.object().put("blob", "x".repeat(300 * 1024)));
        try (SdkToLocalEventBridge bus = new SdkToLocalEventBridge(Chaos.NONE,
                (kind, store, id, version) -> version == 7 ? huge : null)) {
            List<Message> got = new ArrayList<>();
            bus.subscribe(Target.of("all", MessageFilter.ANY, got::add));
            bus.publish(List.of(huge, message(8, JsonCodec.object())));
            assertThat(bus.awaitIdle(Duration.ofSeconds(10))).isTrue();
            assertThat(bus.publisher.claimCheckCount()).isEqualTo(1);
            assertThat(got).contains(huge);
        }
    }

    @Test
    void aClaimCheckThatCannotBeReadBackNowFailsItsEntrySoThePublisherSendsItAgain() {
        StateCarryingMessage huge = message(9, JsonCodec.object().put("blob", "y".repeat(300 * 1024)));
        int[] resolutions = {0};
        try (SdkToLocalEventBridge bus = new SdkToLocalEventBridge(Chaos.NONE, (kind, store, id, version) -> {
            if (resolutions[0]++ == 0) {
                throw new IllegalStateException("ledger read timed out");
            }
            return huge;
        })) {
            List<Message> got = new ArrayList<>();
            bus.subscribe(Target.of("all", MessageFilter.ANY, got::add));
            bus.publish(List.of(huge));
            assertThat(bus.awaitIdle(Duration.ofSeconds(10))).isTrue();
            assertThat(got).containsExactly(huge);
            assertThat(bus.publisher.retriedEntryCount()).isEqualTo(1);
        }
    }

    @Test
    void validatesPutEventsLikeEventBridge() {
        try (LocalEventBridge eb = LocalEventBridge.start("tally-test-bus", Chaos.NONE, (k, s, id, v) -> null)) {
            PutEventsResponse r = eb.client().putEvents(PutEventsRequest.builder().entries(
                    PutEventsRequestEntry.builder().eventBusName("tally-test-bus").source("x").detailType("T")
                            .detail("not json").build(),
                    PutEventsRequestEntry.builder().eventBusName("other-bus").source("x").detailType("T")
                            .detail("{}").build(),
                    PutEventsRequestEntry.builder().eventBusName("tally-test-bus").source("x").detailType("T")
                            .detail("{\"a\":1}").build()).build());
            assertThat(r.failedEntryCount()).isEqualTo(2);
            assertThat(r.entries().get(0).errorCode()).isEqualTo("MalformedDetail");
            assertThat(r.entries().get(1).errorCode()).isEqualTo("NotFoundException");
            assertThat(r.entries().get(2).eventId()).isNotBlank();
        }
    }
}
