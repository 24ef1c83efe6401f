package dev.tally.local;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import dev.tally.aws.StreamRecords;
import dev.tally.core.RecordedEvent;
import dev.tally.core.runtime.DeadLetter;
import dev.tally.core.runtime.DeadLetterStore;
import dev.tally.core.message.NotificationMessage;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.DescribeStreamRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableRequest;
import software.amazon.awssdk.services.dynamodb.model.ExpiredIteratorException;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsRequest;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.GetShardIteratorRequest;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.StreamDescription;
import software.amazon.awssdk.services.dynamodb.model.TrimmedDataAccessException;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * Reads a DynamoDB table's stream with the real Streams API and invokes a Lambda handler the way
 * a Lambda event source mapping does ({@link EventSourceMapping}): batches of up to
 * {@code batchSize} records in shard order, an optional batching window, partial batch responses
 * honoured (checkpoint before the reported record, retry from it), bisect on error to isolate bad
 * records, bounded retries, a maximum record age, and an on-failure destination (a
 * {@link DeadLetterStore} you can list and {@link #redrive}). The checkpoint (last finished
 * sequence number per shard) is saved after every batch, so a poller started again resumes where
 * the last one stopped; anything between the last checkpoint and a crash is delivered again
 * (at least once, like Lambda).
 */
public final class StreamPoller implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StreamPoller.class);

    private static final class ShardState {
        final String id;
        final String parentId;
        String iterator;
        boolean closed;
        boolean finished;
        final List<Record> buffer = new ArrayList<>();
        long firstBufferedAt;

        ShardState(String id, String parentId) {
            this.id = id;
            this.parentId = parentId;
        }
    }

    /** Thrown to unwind a batch when the poller is stopped mid-retry (its checkpoint stays put). */
    private static final class Stopped extends RuntimeException {
        Stopped() {
            super(null, null, false, false);
        }
    }

    /** What the poller has done, for dashboards and tests. */
    public record Stats(long recordsRead, long invocations, long failedInvocations, long retries, long deadLettered,
                        long undecodable, String checkpoint, long lagMillis, int buffered, String lastError) {
    }

    private final DynamoDbStreamsClient streams;
    private final String streamArn;
    private final RequestHandler<DynamodbEvent, StreamsEventResponse> function;
    private final String functionName;
    private final EventSourceMapping mapping;
    private final ShardCheckpoints checkpoints;
    private final DeadLetterStore onFailure;
    private final Map<String, ShardState> shards = new LinkedHashMap<>();
    private final Map<String, String> checkpointCache = new LinkedHashMap<>();
    private final AtomicLong recordsRead = new AtomicLong();
    private final AtomicLong invocations = new AtomicLong();
    private final AtomicLong failedInvocations = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();
    private final AtomicLong undecodable = new AtomicLong();
    private volatile String lastError;
    private volatile boolean running;
    private volatile Thread thread;
    private volatile long lastEmptyPollStartedAt;
    private boolean incompletePass;
    private volatile int bufferedNow;
    private volatile long oldestBufferedMillis;
    private volatile String checkpointsNow = "";
    private long shardsRefreshedAt;

    private StreamPoller(DynamoDbStreamsClient streams, String streamArn,
                         RequestHandler<DynamodbEvent, StreamsEventResponse> function, String functionName,
                         EventSourceMapping mapping, ShardCheckpoints checkpoints, DeadLetterStore onFailure) {
        this.streams = Objects.requireNonNull(streams, "streams");
        this.streamArn = Objects.requireNonNull(streamArn, "streamArn");
        this.function = Objects.requireNonNull(function, "function");
        this.functionName = Objects.requireNonNull(functionName, "functionName");
        this.mapping = Objects.requireNonNull(mapping, "mapping");
        this.checkpoints = Objects.requireNonNull(checkpoints, "checkpoints");
        this.onFailure = Objects.requireNonNull(onFailure, "onFailure");
    }

    /** A poller on the stream of {@code table}, which must have a stream enabled. */
    public static StreamPoller forTable(DynamoDbClient dynamoDb, DynamoDbStreamsClient streams, String table,
                                        RequestHandler<DynamodbEvent, StreamsEventResponse> function,
                                        String functionName, EventSourceMapping mapping,
                                        ShardCheckpoints checkpoints, DeadLetterStore onFailure) {
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

    // --- lifecycle ---------------------------------------------------------------------------

    public synchronized StreamPoller start() {
        if (running) {
            return this;
        }
        running = true;
        Thread t = new Thread(this::run, "stream-poller-" + functionName);
        t.setDaemon(true);
        thread = t;
        t.start();
        return this;
    }

    private void run() {
        while (running) {
            try {
                int n = pollOnce();
                if (n == 0 && running) {
                    Thread.sleep(mapping.pollInterval().toMillis());
                }
            } catch (Stopped | InterruptedException stopped) {
                return;
            } catch (Error e) {
                lastError = e.toString();
                running = false; // a new poller can be started in its place
                throw e;
            } catch (RuntimeException e) {
                lastError = e.toString();
                LOG.warn("stream poller {}: {}", functionName, e.toString());
                try {
                    Thread.sleep(Math.max(100, mapping.pollInterval().toMillis()));
                } catch (InterruptedException stopped) {
                    return;
                }
            }
        }
    }

    /** Stops polling (like disabling the mapping); what was not checkpointed is read again next time. */
    @Override
    public void close() {
        running = false;
        Thread t = thread;
        if (t != null && t != Thread.currentThread()) {
            t.interrupt();
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            shards.values().forEach(s -> {
                s.buffer.clear();
                s.iterator = null;
            });
        }
    }

    public boolean isRunning() {
        return running;
    }

    // --- polling -----------------------------------------------------------------------------

    /** One pass over the active shards; returns how many records it read. */
    public synchronized int pollOnce() {
        long started = System.currentTimeMillis();
        incompletePass = false;
        refreshShards(false);
        int read = 0;
        boolean anyBuffered = false;
        for (ShardState s : new ArrayList<>(shards.values())) {
            if (s.finished || !parentFinished(s)) {
                continue;
            }
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
        for (ShardState s : shards.values()) {
            buffered += s.buffer.size();
            if (!s.buffer.isEmpty() && s.buffer.get(0).dynamodb().approximateCreationDateTime() != null) {
                long created = s.buffer.get(0).dynamodb().approximateCreationDateTime().toEpochMilli();
                oldest = oldest == 0 ? created : Math.min(oldest, created);
            }
        }
        bufferedNow = buffered;
        oldestBufferedMillis = oldest;
        checkpointsNow = String.join(",", new HashSet<>(checkpointCache.values().stream()
                .filter(Objects::nonNull).toList()));
    }

    private boolean parentFinished(ShardState s) {
        ShardState parent = s.parentId == null ? null : shards.get(s.parentId);
        return parent == null || parent.finished;
    }

    private void refreshShards(boolean force) {
        long now = System.currentTimeMillis();
        if (!force && !shards.isEmpty() && now - shardsRefreshedAt < 10_000) {
            return;
        }
        shardsRefreshedAt = now;
        String start = null;
        do {
            StreamDescription d = streams.describeStream(DescribeStreamRequest.builder().streamArn(streamArn)
                    .exclusiveStartShardId(start).build()).streamDescription();
            for (Shard shard : d.shards()) {
                shards.computeIfAbsent(shard.shardId(), id -> new ShardState(id, shard.parentShardId()));
            }
            start = d.lastEvaluatedShardId();
        } while (start != null);
    }

    private int pollShard(ShardState s) {
        if (!s.closed) {
            GetRecordsResponse r;
            try {
                if (s.iterator == null) {
                    s.iterator = iteratorFor(s);
                }
                r = streams.getRecords(GetRecordsRequest.builder().shardIterator(s.iterator).limit(1000).build());
            } catch (ExpiredIteratorException expired) {
                s.iterator = null;
                incompletePass = true; // nothing was read, but not because nothing is there
                return 0;
            } catch (TrimmedDataAccessException trimmed) {
                incompletePass = true;
                LOG.warn("stream poller {}: shard {} trimmed past the checkpoint; starting at its horizon",
                        functionName, s.id);
                s.iterator = iterator(s.id, ShardIteratorType.TRIM_HORIZON, null);
                return 0;
            }
            if (!r.records().isEmpty()) {
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
                refreshShards(true);
            }
            return r.records().size();
        }
        drain(s);
        return 0;
    }

    private String iteratorFor(ShardState s) {
        String cp = checkpoint(s.id);
        return cp == null ? iterator(s.id, ShardIteratorType.TRIM_HORIZON, null)
                : iterator(s.id, ShardIteratorType.AFTER_SEQUENCE_NUMBER, cp);
    }

    private String iterator(String shardId, ShardIteratorType type, String sequence) {
        return streams.getShardIterator(GetShardIteratorRequest.builder().streamArn(streamArn).shardId(shardId)
                .shardIteratorType(type).sequenceNumber(sequence).build()).shardIterator();
    }

    /** Invokes the function on full batches (or on what there is once the batching window passed). */
    private void drain(ShardState s) {
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
                resetToCheckpoint(s);
                throw e;
            }
        }
    }

    private void resetToCheckpoint(ShardState s) {
        s.buffer.clear();
        s.iterator = null;
        s.closed = false;
        s.finished = false;
    }

    private void process(ShardState s, List<Record> batch) {
        Instant oldest = Instant.now().minus(mapping.maxRecordAge());
        List<Record> fresh = new ArrayList<>(batch.size());
        for (Record r : batch) {
            Instant created = r.dynamodb().approximateCreationDateTime();
            if (created != null && created.isBefore(oldest)) {
                deadLetter(r, "record older than the maximum record age (" + mapping.maxRecordAge() + ")", 0);
                saveCheckpoint(s.id, r.dynamodb().sequenceNumber());
            } else {
                fresh.add(r);
            }
        }
        if (!fresh.isEmpty()) {
            invokeWithRetries(s, fresh);
        }
    }

    private void invokeWithRetries(ShardState s, List<Record> records) {
        int attempts = 0;
        while (true) {
            int failedAt = invoke(records);
            if (failedAt < 0) {
                saveCheckpoint(s.id, records.get(records.size() - 1).dynamodb().sequenceNumber());
                return;
            }
            if (failedAt > 0) {
                saveCheckpoint(s.id, records.get(failedAt - 1).dynamodb().sequenceNumber());
                records = records.subList(failedAt, records.size());
            }
            if (mapping.bisectOnError() && records.size() > 1) {
                int half = records.size() / 2;
                invokeWithRetries(s, new ArrayList<>(records.subList(0, half)));
                invokeWithRetries(s, new ArrayList<>(records.subList(half, records.size())));
                return;
            }
            attempts++;
            if (attempts > mapping.maxRetryAttempts()) {
                for (Record r : records) {
                    deadLetter(r, lastError, attempts);
                }
                saveCheckpoint(s.id, records.get(records.size() - 1).dynamodb().sequenceNumber());
                return;
            }
            retries.incrementAndGet();
            if (!running && thread != null) {
                throw new Stopped();
            }
            try {
                Thread.sleep(Math.min(5_000, mapping.retryBackoff().toMillis() << Math.min(attempts - 1, 6)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Stopped();
            }
        }
    }

    /** Calls the function; -1 when the whole batch succeeded, else the index of the first failed record. */
    private int invoke(List<Record> records) {
        invocations.incrementAndGet();
        StreamsEventResponse response;
        try {
            DynamodbEvent event = new DynamodbEvent();
            List<DynamodbEvent.DynamodbStreamRecord> converted = new ArrayList<>(records.size());
            for (Record r : records) {
                converted.add(StreamRecords.toLambda(r, streamArn));
            }
            event.setRecords(converted);
            response = function.handleRequest(event, new LocalLambdaContext(functionName));
        } catch (RuntimeException e) {
            failedInvocations.incrementAndGet();
            lastError = "function error: " + e;
            return 0;
        }
        if (response == null || response.getBatchItemFailures() == null
                || response.getBatchItemFailures().isEmpty()) {
            return -1;
        }
        failedInvocations.incrementAndGet();
        // like Lambda: the lowest reported record is where the retry starts
        int lowest = Integer.MAX_VALUE;
        for (StreamsEventResponse.BatchItemFailure f : response.getBatchItemFailures()) {
            int index = indexOf(records, f.getItemIdentifier());
            if (index < 0) {
                lastError = "batch item failure with an unknown identifier '" + f.getItemIdentifier()
                        + "': the whole batch is retried";
                return 0;
            }
            lowest = Math.min(lowest, index);
        }
        lastError = "batch item failure reported at sequence number "
                + records.get(lowest).dynamodb().sequenceNumber();
        return lowest;
    }

    private static int indexOf(List<Record> records, String sequenceNumber) {
        for (int i = 0; i < records.size(); i++) {
            if (records.get(i).dynamodb().sequenceNumber().equals(sequenceNumber)) {
                return i;
            }
        }
        return -1;
    }

    private void deadLetter(Record r, String error, int attempts) {
        DynamodbEvent.DynamodbStreamRecord lambdaRecord = StreamRecords.toLambda(r, streamArn);
        if (!StreamRecords.isLedgerInsert(lambdaRecord)) {
            LOG.debug("skipping non-ledger record {} of a failed batch", r.dynamodb().sequenceNumber());
            return;
        }
        RecordedEvent e;
        try {
            e = StreamRecords.toEvent(lambdaRecord);
        } catch (RuntimeException bad) {
            undecodable.incrementAndGet();
            LOG.error("stream poller {}: ledger record {} cannot be read and cannot be dead-lettered: {} (item {})",
                    functionName, r.dynamodb().sequenceNumber(), bad.toString(), r.dynamodb().newImage());
            return;
        }
        onFailure.add(new DeadLetter(UUID.randomUUID().toString(), "stream:" + functionName,
                new NotificationMessage(e), error == null ? "failed" : error, attempts, Instant.now()));
        deadLettered.incrementAndGet();
        LOG.warn("stream poller {}: {} sent to the on-failure destination: {}", functionName, e.coordinates(), error);
    }

    // --- checkpoints -------------------------------------------------------------------------

    private String checkpoint(String shardId) {
        return checkpointCache.computeIfAbsent(shardId, id -> checkpoints.load(id).orElse(null));
    }

    private void saveCheckpoint(String shardId, String sequenceNumber) {
        String current = checkpoint(shardId);
        if (current != null && new BigInteger(current).compareTo(new BigInteger(sequenceNumber)) >= 0) {
            return;
        }
        checkpoints.save(shardId, sequenceNumber);
        checkpointCache.put(shardId, sequenceNumber);
    }

    // --- operations --------------------------------------------------------------------------

    /** Invokes the function again with a dead-lettered event; on success it leaves the store. */
    public boolean redrive(String deadLetterId) {
        DeadLetter letter = onFailure.get(deadLetterId).orElse(null);
        if (letter == null || !letter.target().equals("stream:" + functionName)) {
            return false;
        }
        DynamodbEvent event = new DynamodbEvent();
        event.setRecords(List.of(StreamRecords.insertOf(letter.message().event(), "0", streamArn)));
        StreamsEventResponse r;
        try {
            r = function.handleRequest(event, new LocalLambdaContext(functionName));
        } catch (RuntimeException e) {
            LOG.warn("redrive of {} failed again: {}", deadLetterId, e.toString());
            return false;
        }
        if (r != null && r.getBatchItemFailures() != null && !r.getBatchItemFailures().isEmpty()) {
            return false;
        }
        return onFailure.remove(deadLetterId);
    }

    public int redriveAll() {
        int ok = 0;
        for (DeadLetter d : onFailure.list()) {
            if (d.target().equals("stream:" + functionName) && redrive(d.id())) {
                ok++;
            }
        }
        return ok;
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
        return new Stats(recordsRead.get(), invocations.get(), failedInvocations.get(), retries.get(),
                deadLettered.get(), undecodable.get(), checkpointsNow, lag, bufferedNow, lastError);
    }
}
