package dev.tally.core.query;

import java.time.Instant;
import java.util.List;

/**
 * One node of the causal tree of a request ({@link Trace}).
 *
 * @param kind        {@code request} (a command from outside: an HTTP call, a CLI command),
 *                    {@code event} (an event in a store), {@code command} (a command a saga sent,
 *                    or a check it made), {@code timer} (a saga's timer that fired)
 * @param store       the store of the event or of the command's target (null for a timer)
 * @param aggregateId its aggregate id (null for a timer)
 * @param version     the event's version (null but for events)
 * @param type        the event type (null but for events)
 * @param time        when it happened: the event's timestamp, or the first event of a request or
 *                    command, or the reply to a command that wrote nothing
 * @param outcome     {@code appended} for an event; {@code accepted} or {@code rejected: CODE} for a
 *                    command; {@code fired} for a timer
 * @param detail      the request's causation id (its command id), the saga step, the timer id; or null
 * @param children    what it caused, in the order it happened
 */
public record TraceNode(String kind, String store, String aggregateId, Long version, String type, Instant time,
                        String outcome, String detail, List<TraceNode> children) {
    public static final String REQUEST = "request";
    public static final String EVENT = "event";
    public static final String COMMAND = "command";
    public static final String TIMER = "timer";

    public TraceNode {
        children = children == null ? List.of() : List.copyOf(children);
    }

    /** This node and every node below it, depth first, in order. */
    public List<TraceNode> flatten() {
        List<TraceNode> out = new java.util.ArrayList<>();
        flattenInto(out);
        return out;
    }

    private void flattenInto(List<TraceNode> out) {
        out.add(this);
        children.forEach(c -> c.flattenInto(out));
    }
}
