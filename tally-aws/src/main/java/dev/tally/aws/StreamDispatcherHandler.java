package dev.tally.aws;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import dev.tally.core.RecordedEvent;
import dev.tally.core.RetryPolicy;
import dev.tally.core.observe.Observability;
import dev.tally.core.runtime.Dispatcher;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code dispatchAggregate} Lambda of seed 000, plugged straight into the ledger's DynamoDB
 * stream: keeps INSERTs of ledger items, has the {@link Dispatcher} attach the aggregate as of
 * each event's version (reusing the aggregate of the previous event of the same aggregate in the
 * batch) and publish state-carrying messages.
 *
 * <p>It answers with a partial batch response: when an event cannot be dispatched, it reports
 * that record's sequence number, so Lambda checkpoints everything before it and retries from it,
 * instead of re-sending the whole batch or blocking on it. Configure the event source mapping
 * with {@code FunctionResponseTypes: [ReportBatchItemFailures]}, a retry limit, bisect on error
 * and an on-failure destination (the deployment template does).
 *
 * <p>On Lambda, subclass it with a no-argument constructor that builds the dispatcher from
 * {@link TallyEnvironment}.
 */
public class StreamDispatcherHandler implements RequestHandler<DynamodbEvent, StreamsEventResponse> {
    private static final Logger LOG = LoggerFactory.getLogger(StreamDispatcherHandler.class);

    private final Dispatcher dispatcher;
    private final SqsDeadLetterSink deadLetters;
    private final RetryPolicy retry;
    private final AtomicLong invocations = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();

    private final EmbeddedMetrics metrics = EmbeddedMetrics.installOnLambda();

    public StreamDispatcherHandler(Dispatcher dispatcher) {
        this.dispatcher = Objects.requireNonNull(dispatcher, "dispatcher");
        this.deadLetters = null;
        this.retry = null;
    }

    /**
     * A dispatcher that keeps the full record of an event it cannot turn into a message: it tries
     * such an event {@code retry.maxAttempts()} times within the invocation, then writes it to the
     * dead-letter queue ({@link SqsDeadLetterSink}) and goes on with the rest of the batch; only a
     * letter SQS accepted counts as done. A bus that keeps refusing to publish gets the same attempts;
     * then that event and the rest of the batch are written to the queue with their records (the
     * stream's on-failure destination would keep only their sequence numbers).
     * A null {@code deadLetters} gives the handler without a queue (the constructor above).
     */
    public StreamDispatcherHandler(Dispatcher dispatcher, SqsDeadLetterSink deadLetters, RetryPolicy retry) {
        this.dispatcher = Objects.requireNonNull(dispatcher, "dispatcher");
        this.deadLetters = deadLetters;
        this.retry = deadLetters == null ? null : Objects.requireNonNull(retry, "retry");
    }

    /** Whether events it cannot dispatch go to a dead-letter queue of its own (with their records). */
    public boolean hasDeadLetterQueue() {
        return deadLetters != null;
    }

    @Override
    public StreamsEventResponse handleRequest(DynamodbEvent event, Context context) {
        try {
            return handleBatch(event);
        } finally {
            if (metrics != null) {
                metrics.flush(context == null ? null : context.getFunctionName());
            }
        }
    }

    private StreamsEventResponse handleBatch(DynamodbEvent event) {
        invocations.incrementAndGet();
        List<DynamodbEvent.DynamodbStreamRecord> records = event.getRecords() == null ? List.of() : event.getRecords();
        reportIteratorAge(records);
        List<RecordedEvent> events = new ArrayList<>(records.size());
        Map<RecordedEvent, String> sequence = new IdentityHashMap<>();
        for (DynamodbEvent.DynamodbStreamRecord r : records) {
            if (!StreamRecords.isLedgerInsert(r)) {
                continue;
            }
            RecordedEvent e;
            try {
                e = StreamRecords.toEvent(r);
            } catch (RuntimeException bad) {
                // a ledger item we cannot read: fail here so it is retried, then lands in the on-failure destination
                failures.incrementAndGet();
                LOG.error("cannot read ledger record {}: {}", r.getDynamodb().getSequenceNumber(), bad.toString());
                if (deadLetters != null && deadLetterUnreadable(r, bad)) {
                    continue; // stored with its full item: the batch goes on without it
                }
                if (deadLetters != null) {
                    // the events before it go through the dead-letter path too (a poison event among them is stored)
                    StreamsEventResponse before = DeadLetteringDispatch.run(dispatcher, deadLetters, retry, events,
                            sequence, failures, deadLettered);
                    return before.getBatchItemFailures().isEmpty() ? failAt(r.getDynamodb().getSequenceNumber(), null)
                            : before;
                }
                return failAt(r.getDynamodb().getSequenceNumber(), dispatchUpTo(events, sequence));
            }
            events.add(e);
            sequence.put(e, r.getDynamodb().getSequenceNumber());
        }
        if (deadLetters != null) {
            return DeadLetteringDispatch.run(dispatcher, deadLetters, retry, events, sequence, failures, deadLettered);
        }
        Dispatcher.Result result = dispatcher.dispatch(events);
        if (result.ok()) {
            return new StreamsEventResponse(List.of());
        }
        failures.incrementAndGet();
        RecordedEvent failed = result.failure().get().event();
        LOG.warn("dispatch failed at {} ({} published before it): {}", failed.coordinates(), result.published(),
                result.failure().get().error().toString());
        return failAt(sequence.get(failed), null);
    }

    /**
     * Writes a ledger item that cannot be read as an event to the dead-letter queue, with the item
     * itself; false when the queue did not take it (the record is then failed, so Lambda retries it).
     */
    private boolean deadLetterUnreadable(DynamodbEvent.DynamodbStreamRecord r, RuntimeException bad) {
        try {
            Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> item =
                    StreamRecords.toSdk(r.getDynamodb().getNewImage());
            String store = text(item, "store", "?");
            String aggregateId = text(item, "aggregateId", text(item, "pk", "?"));
            long version = item.containsKey("version") && item.get("version").n() != null
                    ? Long.parseLong(item.get("version").n()) : 0;
            deadLetters.addUnreadable(store, aggregateId, version, StreamRecords.itemJson(item),
                    "the ledger item could not be read as an event: " + bad);
            deadLettered.incrementAndGet();
            return true;
        } catch (RuntimeException queueRefused) {
            LOG.error("could not write the unreadable ledger record {} to the dead-letter queue: {}",
                    r.getDynamodb().getSequenceNumber(), queueRefused.toString());
            return false;
        }
    }

    private static String text(Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> item,
                               String name, String otherwise) {
        var v = item.get(name);
        return v != null && v.s() != null ? v.s() : otherwise;
    }

    /** Lambda's IteratorAge: how old the oldest record of the batch is now. */
    private static void reportIteratorAge(List<DynamodbEvent.DynamodbStreamRecord> records) {
        long oldest = Long.MAX_VALUE;
        for (DynamodbEvent.DynamodbStreamRecord r : records) {
            if (r.getDynamodb() != null && r.getDynamodb().getApproximateCreationDateTime() != null) {
                oldest = Math.min(oldest, r.getDynamodb().getApproximateCreationDateTime().getTime());
            }
        }
        if (oldest != Long.MAX_VALUE) {
            Observability.telemetry().iteratorAge(System.currentTimeMillis() - oldest);
        }
    }

    /** Dispatches the events read before an unreadable record; on failure reports the earlier record. */
    private String dispatchUpTo(List<RecordedEvent> events, Map<RecordedEvent, String> sequence) {
        if (events.isEmpty()) {
            return null;
        }
        Dispatcher.Result result = dispatcher.dispatch(events);
        return result.ok() ? null : sequence.get(result.failure().get().event());
    }

    private static StreamsEventResponse failAt(String sequenceNumber, String earlier) {
        String first = earlier != null ? earlier : sequenceNumber;
        return new StreamsEventResponse(List.of(new StreamsEventResponse.BatchItemFailure(first)));
    }

    public Dispatcher dispatcher() {
        return dispatcher;
    }

    public long invocations() {
        return invocations.get();
    }

    public long failedInvocations() {
        return failures.get();
    }

    /** Events written to the dead-letter queue (when one is configured). */
    public long deadLetteredCount() {
        return deadLettered.get();
    }
}
