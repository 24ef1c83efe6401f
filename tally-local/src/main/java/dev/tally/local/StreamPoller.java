package dev.tally.local;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import dev.tally.aws.StreamRecords;
import dev.tally.core.RecordedEvent;
import dev.tally.core.RetryPolicy;
import dev.tally.core.message.MessageKind;
import dev.tally.core.message.NotificationMessage;
import dev.tally.core.runtime.DeadLetter;
import dev.tally.core.runtime.DeadLetterSource;
import dev.tally.core.spi.DeadLetterStore;
import dev.tally.core.runtime.FailurePolicy;
import dev.tally.core.runtime.MessageRef;
import dev.tally.core.spi.PollingWorker;
import dev.tally.core.spi.CheckpointStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableRequest;
import software.amazon.awssdk.services.dynamodb.model.ExpiredIteratorException;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsRequest;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.TrimmedDataAccessException;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * Reads a DynamoDB table's stream with the real Streams API and invokes a Lambda handler the way
 * a Lambda event source mapping does ({@link EventSourceMapping}): batches of up to
 * {@code batchSize} records in shard order, an optional batching window, partial batch responses
 * honoured, and the mapping's {@link FailurePolicy} (bounded retries, bisect on error), a maximum
 * record age, and an on-failure destination (a {@link DeadLetterStore} you can list and
 * {@link #redrive}). The checkpoint (last finished sequence number per shard) is saved after every
 * finished part of a batch, so a poller started again resumes where the last one stopped; anything
 * between the last checkpoint and a crash is delivered again (at least once, like Lambda).
 *
 * <p>Nothing is skipped silently: a ledger record that cannot be decoded is dead-lettered as a
 * reference to its ledger coordinates; records trimmed from the stream before they were read are
 * gone from the stream (not from the ledger) and are counted and reported in {@link #stats()}, for
 * the convergence check to repair.
 *
 * <p>The pieces: {@link ShardTracker} (shards, iterators, checkpoints), the batching here, and
 * {@link StreamFunctionInvoker} (the Lambda invocation and its partial batch response).
 */
public final class StreamPoller implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StreamPoller.class);

    /** What the poller has done, for dashboards and tests. */
    public record Stats(long recordsRead, long invocations, long failedInvocations, long retries, long deadLettered,
                        long undecodable, long trimmed, String checkpoint, long lagMillis, int buffered,
                        String lastError) {
    }

    private final DynamoDbStreamsClient streams;
    private final String streamArn;
    private final String functionName;
    private final EventSourceMapping mapping;
    private final FailurePolicy policy;
    private final ShardTracker shards;
    private final StreamFunctionInvoker invoker;
    private final DeadLetterStore onFailure;
    private final DeadLetterSource source;
    private final Random random = new Random();
    private final AtomicLong recordsRead = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();
    private final AtomicLong undecodable = new AtomicLong();
    private final AtomicLong trimmed = new AtomicLong();
    private volatile String lastError;
    private final PollingWorker worker;
    private volatile long lastEmptyPollStartedAt;
    private boolean incompletePass;
    private volatile int bufferedNow;
    private volatile long oldestBufferedMillis;
    private volatile String checkpointsNow = "";

    private StreamPoller(DynamoDbStreamsClient streams, String streamArn,
                         RequestHandler<DynamodbEvent, StreamsEventResponse> function, String functionName,
                         EventSourceMapping mapping, CheckpointStore checkpoints, DeadLetterStore onFailure) {
        this.streams = Objects.requireNonNull(streams, "streams");
        this.streamArn = Objects.requireNonNull(streamArn, "streamArn");
        this.functionName = Objects.requireNonNull(functionName, "functionName");
        this.mapping = Objects.requireNonNull(mapping, "mapping");
        this.policy = mapping.failurePolicy();
        this.shards = new ShardTracker(streams, streamArn, checkpoints);
        this.invoker = new StreamFunctionInvoker(function, functionName, streamArn);
        this.onFailure = Objects.requireNonNull(onFailure, "onFailure");
        this.source = new DeadLetterSource.Feed(functionName);
        // an idle shard is read every pollInterval at first, then less often, up to four times a second
        // (as Lambda's event source mapping polls a shard); a failed pass waits the mapping's backoff
        Duration idleMax = mapping.pollInterval().compareTo(IDLE_MAX) > 0 ? mapping.pollInterval() : IDLE_MAX;
        this.worker = PollingWorker.builder("stream-poller-" + functionName, this::pollOnce)
                .idle(new PollingWorker.Idle(mapping.pollInterval(), idleMax))
                .failurePolicy(FailurePolicy.of(new RetryPolicy(Integer.MAX_VALUE,
                        Duration.ofMillis(Math.max(100, mapping.pollInterval().toMillis())),
                        Duration.ofMillis(Math.max(1_000, mapping.pollInterval().toMillis())))))
                .interruptOnClose(true).build();
    }

    /** The longest wait of an idle poller between two reads of its shards. */
    static final Duration IDLE_MAX = Duration.ofMillis(250);

    /** A poller on the stream of {@code table}, which must have a stream enabled. */
    public static StreamPoller forTable(DynamoDbClient dynamoDb, DynamoDbStreamsClient streams, String table,
                                        RequestHandler<DynamodbEvent, StreamsEventResponse> function,
                                        String functionName, EventSourceMapping mapping,
                                        CheckpointStore checkpoints, DeadLetterStore onFailure) {
        String arn = dynamoDb.describeTable(DescribeTableRequest.builder().tableName(table).build()).table()
                .latestStreamArn();
        if (arn == null) {
            throw new IllegalStateException("table " + table + " has no stream: create it with"
                    + " TableDefinitions.ledger(...), which enables a NEW_IMAGE stream");
        }
        return new StreamPoller(streams, arn, function, functionName, mapping, checkpoints, onFailure);
    }

    public String streamArn() {
        return streamArn;
    }

    /** Where this poller's dead letters come from: {@code Feed(functionName)}. */
    public DeadLetterSource source() {
        return source;
    }

    // --- lifecycle ---------------------------------------------------------------------------

    public StreamPoller start() {
        worker.start();
        return this;
    }

    /** Something was appended: read the shards now instead of after the idle wait. */
    public void wake() {
        worker.wake();
    }

    /** Stops polling (like disabling the mapping); what was not checkpointed is read again next time. */
    @Override
    public void close() {
        worker.close();
        synchronized (this) {
            shards.clear();
        }
    }

    public boolean isRunning() {
        return worker.isRunning();
    }

    // --- polling -----------------------------------------------------------------------------

    /** One pass over the readable shards; returns how many records it read. */
    public synchronized int pollOnce() {
        long started = System.currentTimeMillis();
        incompletePass = false;
        int read = 0;
        boolean anyBuffered = false;
        for (ShardTracker.ShardState s : shards.readable()) {
            read += pollShard(s);
            anyBuffered |= !s.buffer.isEmpty();
        }
        if (read == 0 && !anyBuffered && !incompletePass) {
            lastEmptyPollStartedAt = started;
        }
        publishGauges();
        return read;
    }

    /** Copies what stats() shows into volatile fields, so stats() never waits for a poll. */
    private void publishGauges() {
        int buffered = 0;
        long oldest = 0;
        for (ShardTracker.ShardState s : shards.all()) {
            buffered += s.buffer.size();
            if (!s.buffer.isEmpty() && s.buffer.get(0).dynamodb().approximateCreationDateTime() != null) {
                long created = s.buffer.get(0).dynamodb().approximateCreationDateTime().toEpochMilli();
                oldest = oldest == 0 ? created : Math.min(oldest, created);
            }
        }
        bufferedNow = buffered;
        oldestBufferedMillis = oldest;
        checkpointsNow = String.join(",", shards.checkpoints());
    }

    private int pollShard(ShardTracker.ShardState s) {
        if (s.closed) {
            drain(s);
            return 0;
        }
        GetRecordsResponse r;
        try {
            if (s.iterator == null) {
                s.iterator = shards.iteratorAfterCheckpoint(s);
            }
            r = streams.getRecords(GetRecordsRequest.builder().shardIterator(s.iterator).limit(1000).build());
        } catch (ExpiredIteratorException expired) {
            s.iterator = null;
            incompletePass = true; // nothing was read, but not because nothing is there
            return 0;
        } catch (TrimmedDataAccessException gone) {
            incompletePass = true;
            if (s.atHorizon) {
                // the iterator stood at the horizon and had read nothing: no record past a checkpoint
                // can be missing, so this is no trim to report; start again at the (new) horizon
                LOG.debug("stream poller {}: horizon iterator of shard {} outdated ({}); taking a new one",
                        functionName, s.id, gone.getMessage());
                s.iterator = shards.iteratorAtHorizon(s);
                return 0;
            }
            // the records after the checkpoint are gone from the stream (not from the ledger): say so
            // loudly and count it (the error first: whoever sees the count must see why); the convergence
            // check brings the views they fed up to date
            lastError = "shard " + s.id + " was trimmed past the checkpoint " + shards.checkpoint(s.id).position()
                    + ": records between it and the horizon were never dispatched; run `tally verify --repair`";
            trimmed.incrementAndGet();
            LOG.error("stream poller {}: {}", functionName, lastError);
            s.iterator = shards.iteratorAtHorizon(s);
            return 0;
        }
        if (!r.records().isEmpty()) {
            s.atHorizon = false;
            if (s.buffer.isEmpty()) {
                s.firstBufferedAt = System.currentTimeMillis();
            }
            s.buffer.addAll(r.records());
            recordsRead.addAndGet(r.records().size());
        }
        s.iterator = r.nextShardIterator();
        if (s.iterator == null) {
            s.closed = true;
        }
        drain(s);
        if (s.closed && s.buffer.isEmpty()) {
            s.finished = true;
            shards.refresh(true);
        }
        return r.records().size();
    }

    /** Invokes the function on full batches (or on what there is once the batching window passed). */
    private void drain(ShardTracker.ShardState s) {
        while (!s.buffer.isEmpty()) {
            boolean windowOpen = !mapping.batchingWindow().isZero() && !s.closed
                    && s.buffer.size() < mapping.batchSize()
                    && System.currentTimeMillis() - s.firstBufferedAt < mapping.batchingWindow().toMillis();
            if (windowOpen) {
                return;
            }
            List<Record> batch = new ArrayList<>(s.buffer.subList(0, Math.min(mapping.batchSize(), s.buffer.size())));
            s.buffer.subList(0, batch.size()).clear();
            s.firstBufferedAt = System.currentTimeMillis();
            try {
                process(s, batch);
            } catch (RuntimeException | Error e) {
                // the batch is out of the buffer and the iterator is past it: read the shard again
                // from the saved checkpoint, so nothing is skipped (what was done is delivered again)
                s.resetToCheckpoint();
                throw e;
            }
        }
    }

    private void process(ShardTracker.ShardState s, List<Record> batch) {
        Instant oldest = mapping.maxRecordAge().isNegative() ? null : Instant.now().minus(mapping.maxRecordAge());
        List<Record> fresh = new ArrayList<>(batch.size());
        for (Record r : batch) {
            Instant created = r.dynamodb().approximateCreationDateTime();
            if (oldest != null && created != null && created.isBefore(oldest)) {
                deadLetter(r, "record older than the maximum record age (" + mapping.maxRecordAge() + ")", 0);
                shards.checkpoint(s.id, r.dynamodb().sequenceNumber());
            } else {
                fresh.add(r);
            }
        }
        if (fresh.isEmpty()) {
            return;
        }
        policy.run(fresh, invoker::invoke,
                done -> shards.checkpoint(s.id, done.get(done.size() - 1).dynamodb().sequenceNumber()),
                (failed, error, attempts) -> failed.forEach(r -> deadLetter(r, error, attempts)),
                this::pause, random);
    }

    private boolean pause(Duration d) {
        retries.incrementAndGet();
        if (worker.isWorkerThread() && !worker.isRunning()) {
            return false;
        }
        try {
            Thread.sleep(d.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void deadLetter(Record r, String error, int attempts) {
        DynamodbEvent.DynamodbStreamRecord lambdaRecord = StreamRecords.toLambda(r, streamArn);
        if (!StreamRecords.isLedgerInsert(lambdaRecord)) {
            LOG.debug("skipping non-ledger record {} of a failed batch", r.dynamodb().sequenceNumber());
            return;
        }
        String why = error == null ? "failed" : error;
        DeadLetter letter;
        try {
            RecordedEvent e = StreamRecords.toEvent(lambdaRecord);
            letter = DeadLetter.of(source, new NotificationMessage(e), why, attempts, Instant.now());
        } catch (RuntimeException bad) {
            undecodable.incrementAndGet();
            MessageRef ref = referenceOf(r.dynamodb().keys());
            LOG.error("stream poller {}: ledger record {} ({}) cannot be read: {}; dead-lettered as a reference",
                    functionName, r.dynamodb().sequenceNumber(), ref, bad.toString());
            letter = DeadLetter.reference(source, ref, why + "; the record cannot be read: " + bad, attempts,
                    Instant.now());
        }
        onFailure.add(letter);
        deadLettered.incrementAndGet();
        LOG.warn("stream poller {}: {} sent to the on-failure destination: {}", functionName, letter.ref(), why);
    }

    /** The ledger coordinates in a record's keys ({@code pk = store#aggregateId}, {@code version}). */
    private static MessageRef referenceOf(Map<String, AttributeValue> keys) {
        String pk = keys.get("pk") == null ? "?#?" : keys.get("pk").s();
        int hash = pk.indexOf('#');
        String store = hash < 0 ? pk : pk.substring(0, hash);
        String id = hash < 0 ? "" : pk.substring(hash + 1);
        long version = keys.get("version") == null ? 0 : Long.parseLong(keys.get("version").n());
        return new MessageRef(MessageKind.NOTIFICATION, store, id, version);
    }

    // --- operations --------------------------------------------------------------------------

    /**
     * Invokes the function again with a dead-lettered event (read back from the ledger through
     * {@code ledgerEvent} when only its reference was kept); on success it leaves the store.
     */
    public boolean redrive(String deadLetterId, java.util.function.Function<MessageRef, RecordedEvent> ledgerEvent) {
        DeadLetter letter = onFailure.get(deadLetterId).orElse(null);
        if (letter == null || !letter.source().equals(source)) {
            return false;
        }
        try {
            RecordedEvent e = letter.hasBody() ? letter.message().event() : ledgerEvent.apply(letter.ref());
            if (!invoker.invokeOne(StreamRecords.insertOf(e, "0", streamArn))) {
                return false;
            }
        } catch (RuntimeException e) {
            LOG.warn("redrive of {} failed again: {}", deadLetterId, e.toString());
            return false;
        }
        return onFailure.remove(deadLetterId);
    }

    public DeadLetterStore onFailure() {
        return onFailure;
    }

    /** When the last pass that found nothing new started (epoch ms), 0 before the first. */
    public long lastEmptyPollStartedAt() {
        return lastEmptyPollStartedAt;
    }

    public Stats stats() {
        long oldest = oldestBufferedMillis;
        long lag = oldest == 0 ? 0 : Math.max(0, System.currentTimeMillis() - oldest);
        String error = lastError != null ? lastError : worker.lastError() != null ? worker.lastError()
                : invoker.lastError();
        return new Stats(recordsRead.get(), invoker.invocations(), invoker.failedInvocations(), retries.get(),
                deadLettered.get(), undecodable.get(), trimmed.get(), checkpointsNow, lag, bufferedNow, error);
    }
}
