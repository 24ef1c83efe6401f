package dev.tally.core.spi;

import dev.tally.core.message.Message;
import dev.tally.core.runtime.DeadLetters;
import dev.tally.core.runtime.Target;
import dev.tally.core.runtime.TargetStats;
import dev.tally.core.spi.MessageBus;
import java.util.List;

/**
 * A bus that routes to targets in this process: the in-memory bus and the local
 * EventBridge-compatible router. (On AWS, routing is EventBridge rules.) Routing only: dead
 * letters and statistics are roles of their own ({@link DeadLetters}, {@link TargetStats}).
 */
public interface RoutingBus extends MessageBus {

    /** Adds a target; a message published afterwards reaches it at least once if the filter matches. */
    void subscribe(Target target);

    /** Removes a target by name; returns whether it was there. */
    boolean unsubscribe(String targetName);

    /**
     * Delivers messages to one target only, whatever the other targets' filters say: how a repair
     * or a rebuild refreshes one projection. Accepted durably, like {@link #publish}.
     *
     * @throws IllegalArgumentException when no target has that name
     */
    void sendTo(String targetName, List<? extends Message> messages);
}
