package dev.tally.core.message;

import java.time.Duration;
import java.util.List;

/**
 * A bus that routes to targets in this process and keeps dead letters: the in-memory bus and the
 * local EventBridge-compatible router. (On AWS, routing is EventBridge rules and the dead letters
 * are SQS queues.)
 */
public interface RoutingBus extends MessageBus {

    /** Adds a target; a message published afterwards reaches it at least once if the filter matches. */
    void subscribe(Target target);

    /** Removes a target by name; returns whether it was there. */
    boolean unsubscribe(String targetName);

    DeadLetterStore deadLetters();

    /** Delivers one dead letter to its target again; on success it leaves the store. */
    boolean redrive(String deadLetterId);

    /** Redrives every dead letter (of one target, or of all when {@code targetName} is null). */
    int redriveAll(String targetName);

    /** Waits until no delivery is pending or running; false when the timeout passed first. */
    boolean awaitIdle(Duration timeout);

    /** Counters per target: deliveries, retries, dead letters. */
    List<TargetStats> stats();
}
