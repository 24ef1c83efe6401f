package dev.tally.core.spi;

import dev.tally.core.message.Message;
import dev.tally.core.message.PublishFailed;
import java.util.List;

/**
 * The publishing side of an event bus (EventBridge in production, a local router or the in-memory
 * bus in development). Which targets get what is routing, configured on the bus, not here.
 */
public interface MessageBus {

    /**
     * Publishes messages; returns once the bus has accepted all of them.
     *
     * @throws PublishFailed when some could not be accepted after the bus's own retries
     */
    void publish(List<? extends Message> messages);

    default void publish(Message message) {
        publish(List.of(message));
    }
}
