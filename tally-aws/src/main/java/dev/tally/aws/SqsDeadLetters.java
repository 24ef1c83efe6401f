package dev.tally.aws;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.RecordedEvent;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.spi.ClaimResolver;
import dev.tally.core.message.Message;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityRequest;
import software.amazon.awssdk.services.sqs.model.DeleteMessageRequest;
import software.amazon.awssdk.services.sqs.model.GetQueueAttributesRequest;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageRequest;

/**
 * The dead letters waiting in one SQS dead-letter queue, listed and redriven: what {@code tally dlq}
 * does against AWS. A queue holds two kinds of letters:
 *
 * <ul>
 *   <li>{@link Kind#FEED}: events the stream dispatcher gave up on ({@link FeedDeadLetter}, written
 *       by {@link SqsDeadLetterSink}); a redrive hands the event to a {@link FeedRedrive} (a
 *       dispatcher over the same ledger and bus, see {@link #dispatcherRedrive}).</li>
 *   <li>{@link Kind#QUEUE}: messages SQS moved here from a source queue after its
 *       {@code maxReceiveCount} (a projector's queue behind an EventBridge rule), or that an
 *       EventBridge target could not deliver; a redrive sends the body back to the source queue
 *       given to {@link #redrive}.</li>
 *   <li>{@link Kind#INVOCATION}: Lambda's on-failure records of a function invoked asynchronously (a
 *       projector or a saga behind an EventBridge rule, after its retries): the event it was given is
 *       inside {@code requestPayload}, the error in {@code responsePayload}; a redrive hands that event
 *       to an {@link InvocationRedrive} (publishing it on the app's bus again, see {@link #busRedrive}).</li>
 * </ul>
 *
 * A letter leaves the queue only once its redrive succeeded. SQS has no "peek": listing receives
 * the messages with a short visibility timeout and then makes each visible again at once, so it
 * raises their receive count (harmless on a dead-letter queue without a redrive policy of its own).
 */
public final class SqsDeadLetters {
    /** Where a letter came from, and so how it is redriven. */
    public enum Kind { FEED, QUEUE, INVOCATION }

    /** One letter as listed. {@code id} is the SQS message id (stable across receives). */
    public record Letter(String id, Kind kind, String summary, String error, int receiveCount, Instant sentAt,
                         String body, Optional<FeedDeadLetter> feed) {
    }

    /** Sends a dispatcher's dead-lettered event through the dispatcher again; false when it failed again. */
    @FunctionalInterface
    public interface FeedRedrive {
        boolean redrive(FeedDeadLetter letter);
    }

    /** Sends the event of a function's on-failure record ({@code requestPayload}) again; false when that failed. */
    @FunctionalInterface
    public interface InvocationRedrive {
        boolean redrive(JsonNode requestPayload);
    }

    private static final int MAX_LETTERS = 10_000;

    private final SqsClient sqs;
    private final String queueUrl;
    private final Duration listVisibility;

    public SqsDeadLetters(SqsClient sqs, String queueUrl, Duration listVisibility) {
        this.sqs = Objects.requireNonNull(sqs, "sqs");
        this.queueUrl = Objects.requireNonNull(queueUrl, "queueUrl");
        this.listVisibility = Objects.requireNonNull(listVisibility, "listVisibility");
    }

    public SqsDeadLetters(SqsClient sqs, String queueUrl) {
        this(sqs, queueUrl, Duration.ofSeconds(30));
    }

    /** SQS's approximate count of visible messages. */
    public long count() {
        String n = sqs.getQueueAttributes(GetQueueAttributesRequest.builder().queueUrl(queueUrl)
                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES).build())
                .attributes().get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES);
        return n == null ? 0 : Long.parseLong(n);
    }

    /** Every letter in the queue (up to 10,000), left in the queue and visible again. */
    public List<Letter> list() {
        List<Letter> out = new ArrayList<>();
        for (Received r : receiveAll()) {
            out.add(r.letter);
            release(r.receiptHandle);
        }
        return out;
    }

    /** Redrives one letter by id; false when it is not in the queue or failed again (it then stays). */
    public boolean redrive(String id, FeedRedrive feed, String sourceQueueUrl) {
        return redrive(id, feed, null, sourceQueueUrl);
    }

    /** As {@link #redrive(String, FeedRedrive, String)}, with how to redrive a function's on-failure record. */
    public boolean redrive(String id, FeedRedrive feed, InvocationRedrive invocation, String sourceQueueUrl) {
        return redriveWhere(r -> r.letter.id().equals(id), feed, invocation, sourceQueueUrl, true) == 1;
    }

    /** Redrives every letter; returns how many succeeded (the others stay in the queue). */
    public int redriveAll(FeedRedrive feed, String sourceQueueUrl) {
        return redriveAll(feed, null, sourceQueueUrl);
    }

    /** As {@link #redriveAll(FeedRedrive, String)}, with how to redrive a function's on-failure record. */
    public int redriveAll(FeedRedrive feed, InvocationRedrive invocation, String sourceQueueUrl) {
        return redriveWhere(r -> true, feed, invocation, sourceQueueUrl, false);
    }

    /** Letters not redriven (not chosen, failed again, or left after an error) are made visible again. */
    private int redriveWhere(java.util.function.Predicate<Received> chosen, FeedRedrive feed,
                             InvocationRedrive invocation, String sourceQueueUrl, boolean justOne) {
        int ok = 0;
        List<Received> received = receiveAll();
        java.util.Set<Received> deleted = new java.util.HashSet<>();
        try {
            for (Received r : received) {
                if ((justOne && ok == 1) || !chosen.test(r)) {
                    continue;
                }
                if (redriveOne(r, feed, invocation, sourceQueueUrl)) {
                    deleted.add(r);
                    ok++;
                }
            }
        } finally {
            for (Received r : received) {
                if (!deleted.contains(r)) {
                    release(r.receiptHandle);
                }
            }
        }
        return ok;
    }

    private boolean redriveOne(Received r, FeedRedrive feed, InvocationRedrive invocation, String sourceQueueUrl) {
        Letter letter = r.letter;
        if (letter.kind() == Kind.INVOCATION) {
            if (invocation == null) {
                throw new IllegalArgumentException("letter " + letter.id() + " is a function's on-failure record ("
                        + letter.summary() + "): redriving it publishes its event on the app's bus again; say which"
                        + " bus (the template's EventBusName output)");
            }
            if (!invocation.redrive(JsonCodec.parse(letter.body()).get("requestPayload"))) {
                return false;
            }
        } else if (letter.kind() == Kind.FEED) {
            if (feed == null) {
                throw new IllegalArgumentException("letter " + letter.id() + " is a dispatcher dead letter ("
                        + letter.summary() + "): redriving it needs the dispatcher (the app, the ledger table and the"
                        + " event bus)");
            }
            if (!feed.redrive(letter.feed().get())) {
                return false;
            }
        } else {
            if (sourceQueueUrl == null) {
                throw new IllegalArgumentException("letter " + letter.id() + " came from a queue: say which queue to"
                        + " send it back to (the source queue whose redrive policy names this dead-letter queue)");
            }
            sqs.sendMessage(SendMessageRequest.builder().queueUrl(sourceQueueUrl).messageBody(letter.body()).build());
        }
        sqs.deleteMessage(DeleteMessageRequest.builder().queueUrl(queueUrl).receiptHandle(r.receiptHandle).build());
        return true;
    }

    /** A {@link FeedRedrive} that dispatches the letter's event again (read from the ledger when the letter has no record). */
    public static FeedRedrive dispatcherRedrive(dev.tally.core.runtime.Dispatcher dispatcher) {
        return letter -> {
            RecordedEvent e = letter.optionalRecord().orElseGet(() -> read(dispatcher, letter));
            return dispatcher.dispatch(List.of(e)).ok();
        };
    }

    private static RecordedEvent read(dev.tally.core.runtime.Dispatcher dispatcher, FeedDeadLetter letter) {
        for (var store : dispatcher.stores()) {
            if (store.definition().name().equals(letter.store())) {
                List<RecordedEvent> found = store.read(letter.aggregateId(),
                        dev.tally.core.ReadOptions.range(letter.version(), letter.version()));
                if (found.isEmpty()) {
                    throw new IllegalStateException("the ledger has no event " + letter.coordinates()
                            + " for dead letter: is this the ledger the dispatcher reads?");
                }
                return found.get(0);
            }
        }
        throw new IllegalStateException("no store named '" + letter.store() + "' in the app: redrive " + letter.coordinates()
                + " with the app that wrote it");
    }

    private record Received(Letter letter, String receiptHandle) {
    }

    private List<Received> receiveAll() {
        List<Received> all = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        while (all.size() < MAX_LETTERS) {
            var messages = sqs.receiveMessage(ReceiveMessageRequest.builder().queueUrl(queueUrl)
                    .maxNumberOfMessages(10).waitTimeSeconds(1).visibilityTimeout((int) listVisibility.toSeconds())
                    .messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT,
                            MessageSystemAttributeName.SENT_TIMESTAMP)
                    .messageAttributeNames("All").build()).messages();
            if (messages.isEmpty()) {
                break;
            }
            for (var m : messages) {
                if (seen.add(m.messageId())) {
                    all.add(new Received(letterOf(m.messageId(), m.body(), m.attributes(), m.messageAttributes()),
                            m.receiptHandle()));
                }
            }
        }
        return all;
    }

    private void release(String receiptHandle) {
        sqs.changeMessageVisibility(ChangeMessageVisibilityRequest.builder().queueUrl(queueUrl)
                .receiptHandle(receiptHandle).visibilityTimeout(0).build());
    }

    static Letter letterOf(String id, String body, Map<MessageSystemAttributeName, String> attributes,
                           Map<String, software.amazon.awssdk.services.sqs.model.MessageAttributeValue> messageAttributes) {
        int receives = Integer.parseInt(attributes.getOrDefault(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT, "0"));
        String sent = attributes.get(MessageSystemAttributeName.SENT_TIMESTAMP);
        Instant sentAt = sent == null ? Instant.EPOCH : Instant.ofEpochMilli(Long.parseLong(sent));
        JsonNode json;
        try {
            json = JsonCodec.parse(body);
        } catch (RuntimeException notJson) {
            return new Letter(id, Kind.QUEUE, "(not JSON) " + abbreviate(body), "", receives, sentAt, body, Optional.empty());
        }
        if (isOnFailureRecord(json)) {
            JsonNode response = json.path("responsePayload");
            String error = response.path("errorType").asText("") + (response.has("errorMessage")
                    ? ": " + response.path("errorMessage").asText() : "");
            if (error.isBlank()) {
                error = json.path("requestContext").path("condition").asText("");
            }
            String function = json.path("requestContext").path("functionArn").asText();
            String[] arn = function.split(":");
            String name = arn.length > 6 ? arn[6] : function;
            return new Letter(id, Kind.INVOCATION, "function " + name + ": " + summary(json.get("requestPayload")),
                    error, receives, sentAt, body, Optional.empty());
        }
        if (FeedDeadLetter.isFeedDeadLetter(json)) {
            FeedDeadLetter f = FeedDeadLetter.fromJson(json);
            return new Letter(id, Kind.FEED, f.feed() + " " + f.coordinates()
                    + (f.optionalItem().isPresent() ? " (unreadable item)" : ""), f.error(), receives, sentAt, body,
                    Optional.of(f));
        }
        String error = messageAttributes.containsKey("ERROR_MESSAGE")
                ? messageAttributes.get("ERROR_MESSAGE").stringValue() : "";
        return new Letter(id, Kind.QUEUE, summary(json), error, receives, sentAt, body, Optional.empty());
    }

    /** Lambda's on-failure record of an asynchronous invocation: the event it was given in requestPayload. */
    static boolean isOnFailureRecord(JsonNode json) {
        return json.path("requestContext").has("functionArn") && json.path("requestPayload").isObject();
    }

    /**
     * An {@link InvocationRedrive} that publishes the event of an on-failure record on the bus again
     * (its source, detail-type and detail as EventBridge delivered them): every rule matching it
     * delivers it once more, and consumers are idempotent (a view is written only when the carried
     * version is newer), so only the function that failed it does anything with it.
     */
    public static InvocationRedrive busRedrive(software.amazon.awssdk.services.eventbridge.EventBridgeClient events,
                                               String busName) {
        return payload -> {
            if (!EventBridgeEvents.isEnvelope(payload)) {
                throw new IllegalArgumentException("the on-failure record's requestPayload is not an EventBridge event"
                        + " (source, detail-type, detail): redrive it by hand");
            }
            var entry = software.amazon.awssdk.services.eventbridge.model.PutEventsRequestEntry.builder()
                    .eventBusName(busName).source(payload.path("source").asText())
                    .detailType(payload.path("detail-type").asText()).detail(payload.get("detail").toString()).build();
            return events.putEvents(b -> b.entries(entry)).failedEntryCount() == 0;
        };
    }

    private static String summary(JsonNode json) {
        try {
            Message m = EventBridgeEvents.isEnvelope(json) ? EventBridgeEvents.messageOf(json, ClaimResolver.NONE)
                    : dev.tally.core.message.MessageCodec.fromJson(json, ClaimResolver.NONE);
            return m.kind().wireName() + " " + m.store() + "/" + m.aggregateId() + "@" + m.version() + " " + m.eventType();
        } catch (RuntimeException notAMessage) {
            if (json.has("detail") && json.path("detail").has("store")) {
                JsonNode d = json.get("detail");
                return d.path("store").asText() + "/" + d.path("aggregateId").asText() + "@" + d.path("version").asText();
            }
            return abbreviate(json.toString());
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 120 ? s : s.substring(0, 120) + "...";
    }

    public String queueUrl() {
        return queueUrl;
    }
}
