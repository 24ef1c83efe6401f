package dev.tally.aws;

import dev.tally.core.RecordedEvent;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.SendMessageRequest;

/**
 * Where the stream dispatcher puts a ledger event it gave up on: an SQS queue it writes itself,
 * with the full record ({@link FeedDeadLetter}). {@link #add} returns only once SQS has accepted
 * the message (it throws otherwise), so the dispatcher reports success for that record only after
 * the letter is durable.
 */
public final class SqsDeadLetterSink {
    private final SqsClient sqs;
    private final String queueUrl;
    private final String feedName;
    private final Clock clock;

    public SqsDeadLetterSink(SqsClient sqs, String queueUrl, String feedName, Clock clock) {
        this.sqs = Objects.requireNonNull(sqs, "sqs");
        this.queueUrl = Objects.requireNonNull(queueUrl, "queueUrl");
        this.feedName = Objects.requireNonNull(feedName, "feedName");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public SqsDeadLetterSink(SqsClient sqs, String queueUrl) {
        this(sqs, queueUrl, "dispatcher", Clock.systemUTC());
    }

    /** Stores the letter; throws when SQS did not take it. */
    public FeedDeadLetter add(RecordedEvent event, String error, int attempts) {
        return send(FeedDeadLetter.of(feedName, event, error, attempts, clock.instant()));
    }

    /**
     * Stores a ledger item that could not be read as an event, with the item itself (the stream's new
     * image, as DynamoDB JSON); throws when SQS did not take it.
     */
    public FeedDeadLetter addUnreadable(String store, String aggregateId, long version,
                                        com.fasterxml.jackson.databind.JsonNode item, String error) {
        return send(FeedDeadLetter.unreadable(feedName, store, aggregateId, version, item, error, clock.instant()));
    }

    private FeedDeadLetter send(FeedDeadLetter letter) {
        sqs.sendMessage(SendMessageRequest.builder()
                .queueUrl(queueUrl)
                .messageBody(letter.toJson())
                .messageAttributes(Map.of(
                        "tally-dead-letter", attribute("feed"),
                        "tally-source", attribute(feedName),
                        "tally-coordinates", attribute(letter.coordinates())))
                .build());
        return letter;
    }

    private static MessageAttributeValue attribute(String value) {
        return MessageAttributeValue.builder().dataType("String").stringValue(value).build();
    }

    public String queueUrl() {
        return queueUrl;
    }
}
