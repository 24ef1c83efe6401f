package dev.tally.core.spi;

import dev.tally.core.message.Message;
import java.time.Duration;
import java.util.List;

/**
 * A queue with SQS semantics: a received message is hidden for the visibility timeout and comes
 * back unless acknowledged; after too many receives it moves to the dead letters.
 */
public interface MessageQueue {

    void send(List<? extends Message> messages);

    List<Received> receive(int max, Duration visibilityTimeout);

    /** Deletes a received message for good. */
    void ack(String receipt);

    /** A received message, its receipt and how many times it has been received. */
    record Received(String receipt, Message message, int receiveCount) {
    }
}
