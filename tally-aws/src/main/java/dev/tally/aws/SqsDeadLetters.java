package dev.tally.aws;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.RecordedEvent;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.message.ClaimResolver;
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
 * </ul>
 *
 * A letter leaves the queue only once its redrive succeeded. SQS has no "peek": listing receives
 * the messages with a short visibility timeout and then makes each visible again at once, so it
 * raises their receive count (harmless on a dead-letter queue without a redrive policy of its own).
 */
public final class SqsDeadLetters {
    /** Where a letter came from, and so how it is redriven. */
    public enum Kind { FEED, QUEUE }

    /** One letter as listed. {@code id} is the SQS message id (stable across receives). */
    public record Letter(String id, Kind kind, String summary, String error, int receiveCount, Instant sentAt,
                         String body, Optional<FeedDeadLetter> feed) {
    }

    /** Sends a dispatcher's dead-lettered event through the dispatcher again; false when it failed again. */
    @FunctionalInterface
    public interface FeedRedrive {
        boolean redrive(FeedDeadLetter letter);
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
        return redriveWhere(r -> r.letter.id().equals(id), feed, sourceQueueUrl, true) == 1;
    }

    /** Redrives every letter; returns how many succeeded (the others stay in the queue). */
    public int redriveAll(FeedRedrive feed, String sourceQueueUrl) {
        return redriveWhere(r -> true, feed, sourceQueueUrl, false);
    }

    /** Letters not redriven (not chosen, failed again, or left after an error) are made visible again. */
    private int redriveWhere(java.util.function.Predicate<Received> chosen, FeedRedrive feed, String sourceQueueUrl,
                             boolean justOne) {
        int ok = 0;
        List<Received> received = receiveAll();
        java.util.Set<Received> deleted = new java.util.HashSet<>();
        try {
            for (Received r : received) {
                if ((justOne && ok == 1) || !chosen.test(r)) {
                    continue;
                }
                if (redriveOne(r, feed, sourceQueueUrl)) {
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

    private boolean redriveOne(Received r, FeedRedrive feed, String sourceQueueUrl) {
        Letter letter = r.letter;
        if (letter.kind() == Kind.FEED) {
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
        if (FeedDeadLetter.isFeedDeadLetter(json)) {
            FeedDeadLetter f = FeedDeadLetter.fromJson(json);
            return new Letter(id, Kind.FEED, f.feed() + " " + f.coordinates(), f.error(), receives, sentAt, body,
                    Optional.of(f));
        }
        String error = messageAttributes.containsKey("ERROR_MESSAGE")
                ? messageAttributes.get("ERROR_MESSAGE").stringValue() : "";
        return new Letter(id, Kind.QUEUE, summary(json), error, receives, sentAt, body, Optional.empty());
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
