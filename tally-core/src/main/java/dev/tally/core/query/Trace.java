package dev.tally.core.query;

import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.RecordedEvent;
import dev.tally.core.saga.SagaRunner;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The causal tree of one request: every event that carries its correlation id, in every store,
 * hung under what caused it. An event's causation id says where it came from:
 *
 * <ul>
 *   <li>the coordinates of an event of the same stream ({@code order-saga/o1@2}): a saga's reply to
 *       the step that event listed, a child of that event;</li>
 *   <li>the coordinates of a saga event in another stream: a command the saga sent, grouped under a
 *       {@code command} node of that saga event; the saga's reply to it gives the command's outcome,
 *       and a refused command (which wrote nothing) is shown from the reply alone;</li>
 *   <li>a message id ({@code state-carrying:order/o1@1}): what a saga observed, a child of that event;</li>
 *   <li>{@code timer:ID}: a timer that fired, a {@code timer} node under the saga's event before it;</li>
 *   <li>anything else (a command id): a {@code request} node at the root.</li>
 * </ul>
 *
 * Children are in the order they happened (timestamp, then the query order).
 */
public final class Trace {
    /** At most this many events are read into one trace. */
    public static final int MAX_EVENTS = 10_000;

    private final Map<String, Node> byCoordinates = new HashMap<>();
    private final Map<String, Node> groups = new LinkedHashMap<>();
    private final List<Node> roots = new ArrayList<>();
    private final Map<Node, Integer> order = new HashMap<>();

    private Trace() {
    }

    /** The trace of {@code correlationId}, reading every page of its events. */
    public static Result of(EventQueries queries, String correlationId) {
        List<RecordedEvent> events = new ArrayList<>();
        PageRequest request = PageRequest.first(500);
        boolean truncated = false;
        while (true) {
            Page<RecordedEvent> page = queries.find(EventFilter.ofCorrelationId(correlationId), request);
            events.addAll(page.items());
            if (page.isLast()) {
                break;
            }
            if (events.size() >= MAX_EVENTS) {
                truncated = true;
                break;
            }
            request = request.next(page.nextCursor());
        }
        return new Result(correlationId, events.size(), truncated, build(events));
    }

    /** A trace: its roots, and how many events it holds. */
    public record Result(String correlationId, int events, boolean truncated, List<TraceNode> roots) {
        public Result {
            roots = List.copyOf(roots);
        }
    }

    /** The roots of the tree of {@code events} (any order; they are sorted first). */
    public static List<TraceNode> build(List<RecordedEvent> events) {
        List<RecordedEvent> sorted = new ArrayList<>(events);
        sorted.sort(EventPosition.EVENT_ORDER);
        Trace t = new Trace();
        for (RecordedEvent e : sorted) { // every event first: a cause stamped in the same instant is found too
            Node node = new Node(TraceNode.EVENT, e.store(), e.aggregateId(), e.version(), e.type(), e.timestamp(),
                    "appended", null);
            t.note(node);
            t.byCoordinates.put(e.coordinates(), node);
        }
        for (RecordedEvent e : sorted) {
            t.link(e, t.byCoordinates.get(e.coordinates()));
        }
        return t.roots.stream().sorted(t.byTime()).map(t::freeze).toList();
    }

    private void link(RecordedEvent e, Node node) {
        String cause = e.metadata().causationId();
        Node parent = cause == null ? null : byCoordinates.get(cause);
        Node observed = cause == null || parent != null || cause.indexOf(':') < 0 ? null
                : byCoordinates.get(cause.substring(cause.indexOf(':') + 1));
        if (parent != null && !(parent.store.equals(e.store()) && parent.aggregateId.equals(e.aggregateId()))) {
            // a command the saga sent: under a command node of the saga's event
            group(parent, cause + " " + e.store() + "/" + e.aggregateId(), TraceNode.COMMAND, e.store(),
                    e.aggregateId(), e.timestamp(), "accepted", null).children.add(node);
        } else if (parent != null) {
            parent.children.add(node);
            String target = e.metadata().attributes().get(SagaRunner.TARGET);
            String outcome = e.metadata().attributes().get(SagaRunner.OUTCOME);
            if (target != null && outcome != null && target.indexOf('/') > 0) {
                String store = target.substring(0, target.indexOf('/'));
                String id = target.substring(target.indexOf('/') + 1);
                Node command = group(parent, cause + " " + target, TraceNode.COMMAND, store, id, e.timestamp(),
                        outcome, null);
                command.outcome = outcome;
                command.detail = e.metadata().attributes().get(SagaRunner.STEP);
            }
        } else if (observed != null) {
            observed.children.add(node);
        } else if (cause != null && cause.startsWith("timer:")) {
            Node before = byCoordinates.get(e.store() + "/" + e.aggregateId() + "@" + (e.version() - 1));
            Node timer = group(before, cause, TraceNode.TIMER, null, null, e.timestamp(), "fired",
                    cause.substring("timer:".length()));
            timer.children.add(node);
        } else {
            Node request = group(null, "request " + cause, TraceNode.REQUEST, e.store(), e.aggregateId(),
                    e.timestamp(), "accepted", cause);
            request.children.add(node);
        }
    }

    /** The group node {@code key} under {@code parent} (or at the root), made when first needed. */
    private Node group(Node parent, String key, String kind, String store, String id, Instant time, String outcome,
                       String detail) {
        Node existing = groups.get(key);
        if (existing != null) {
            return existing;
        }
        Node n = new Node(kind, store, id, null, null, time, outcome, detail);
        note(n);
        groups.put(key, n);
        (parent == null ? roots : parent.children).add(n);
        return n;
    }

    private void note(Node n) {
        order.put(n, order.size());
    }

    private Comparator<Node> byTime() {
        // a refused command is stamped with its reply's time: it comes before the reply
        return Comparator.comparing((Node n) -> n.time).thenComparing(n -> TraceNode.COMMAND.equals(n.kind) ? 0 : 1)
                .thenComparing(order::get);
    }

    private TraceNode freeze(Node n) {
        return new TraceNode(n.kind, n.store, n.aggregateId, n.version, n.type, n.time, n.outcome, n.detail,
                n.children.stream().sorted(byTime()).map(this::freeze).toList());
    }

    private static final class Node {
        final String kind;
        final String store;
        final String aggregateId;
        final Long version;
        final String type;
        final Instant time;
        String outcome;
        String detail;
        final List<Node> children = new ArrayList<>();

        Node(String kind, String store, String aggregateId, Long version, String type, Instant time, String outcome,
             String detail) {
            this.kind = kind;
            this.store = store;
            this.aggregateId = aggregateId;
            this.version = version;
            this.type = type;
            this.time = time;
            this.outcome = outcome;
            this.detail = detail;
        }
    }
}
