package dev.tally.local;

import static dev.tally.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import dev.tally.aws.StreamRecords;
import dev.tally.core.RecordedEvent;
import dev.tally.core.memory.InMemoryCheckpointStore;
import dev.tally.core.memory.InMemoryDeadLetterStore;
import dev.tally.core.runtime.DeadLetter;
import dev.tally.core.spi.Checkpoint;
import dev.tally.core.spi.CheckpointStore;
import dev.tally.dynamodb.DynamoDbLedger;
import dev.tally.dynamodb.DynamoDbTables;
import dev.tally.dynamodb.TableDefinitions;
import dev.tally.testing.TestEvents;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The poller behaves like a Lambda event source mapping, on DynamoDB Local's real stream. */
class StreamPollerTest {
    static LocalDynamoDb db;
    String table;
    DynamoDbLedger ledger;
    final InMemoryDeadLetterStore dead = new InMemoryDeadLetterStore();
    final CheckpointStore checkpoints = new InMemoryCheckpointStore();
    final List<List<Long>> invocations = new CopyOnWriteArrayList<>();
    final List<Long> handled = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() {
        db = LocalDynamoDb.inMemory();
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    @BeforeEach
    void table() {
        table = "poll-" + UUID.randomUUID().toString().substring(0, 8);
        DynamoDbTables.createIfMissing(db.client(), TableDefinitions.ledger(table));
        ledger = new DynamoDbLedger(db.client(), table);
    }

    /** A function that records what it got and fails on the versions {@code failing} says. */
    RequestHandler<DynamodbEvent, StreamsEventResponse> function(Predicate<Long> failing) {
        return (event, context) -> {
            List<Long> versions = new ArrayList<>();
            for (DynamodbEvent.DynamodbStreamRecord r : event.getRecords()) {
                versions.add(StreamRecords.toEvent(r).version());
            }
            invocations.add(versions);
            for (DynamodbEvent.DynamodbStreamRecord r : event.getRecords()) {
                RecordedEvent e = StreamRecords.toEvent(r);
                if (failing.test(e.version())) {
                    return new StreamsEventResponse(List.of(new StreamsEventResponse.BatchItemFailure(
                            r.getDynamodb().getSequenceNumber())));
                }
                handled.add(e.version());
            }
            return new StreamsEventResponse(List.of());
        };
    }

    StreamPoller poller(RequestHandler<DynamodbEvent, StreamsEventResponse> f, EventSourceMapping m) {
        return StreamPoller.forTable(db.client(), db.streamsClient(), table, f, "fn", m, checkpoints, dead);
    }

    static EventSourceMapping fast() {
        return EventSourceMapping.defaults().withBatchSize(10);
    }

    void write(long from, long to) {
        ledger.append(TestEvents.stream("s", "a", from, to));
    }


    @Test
    void deliversEveryRecordInOrderInBatchesOfTheConfiguredSize() {
        write(1, 25);
        try (StreamPoller p = poller(function(v -> false), fast()).start()) {
            eventually(() -> assertThat(handled).hasSize(25));
            assertThat(handled).isSorted();
            assertThat(invocations).allSatisfy(batch -> assertThat(batch.size()).isLessThanOrEqualTo(10));
        }
    }

    @Test
    void aPartialBatchFailureIsRetriedFromTheReportedRecordOnly() {
        write(1, 10);
        boolean[] failedOnce = {false};
        try (StreamPoller p = poller(function(v -> {
            if (v == 6 && !failedOnce[0]) {
                failedOnce[0] = true;
                return true;
            }
            return false;
        }), fast().withBisectOnError(false)).start()) {
            eventually(() -> assertThat(handled).hasSize(10));
        }
        assertThat(handled).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
        assertThat(invocations.get(1).get(0)).as("the retry starts at the failed record").isEqualTo(6);
        assertThat(dead.list()).isEmpty();
    }

    @Test
    void aPoisonRecordIsIsolatedByBisectingAndGoesToTheOnFailureDestination() {
        write(1, 16);
        try (StreamPoller p = poller(function(v -> v == 11), fast().withBatchSize(16).withMaxRetryAttempts(2))
                .start()) {
            eventually(() -> assertThat(dead.list()).hasSize(1));
            eventually(() -> assertThat(handled).hasSize(15));
            DeadLetter letter = dead.list().get(0);
            assertThat(letter.source()).isEqualTo(new dev.tally.core.runtime.DeadLetterSource.Feed("fn"));
            assertThat(letter.message().version()).isEqualTo(11);
            assertThat(letter.attempts()).isEqualTo(3);
            assertThat(p.stats().deadLettered()).isEqualTo(1);
        }
        assertThat(handled).doesNotContain(11L).hasSize(15);
    }

    @Test
    void aDeadLetteredRecordCanBeRedrivenAfterTheFix() {
        write(1, 3);
        boolean[] broken = {true};
        try (StreamPoller p = poller(function(v -> v == 2 && broken[0]), fast().withMaxRetryAttempts(1)).start()) {
            eventually(() -> assertThat(dead.list()).hasSize(1));
            broken[0] = false;
            assertThat(p.redrive(dead.list().get(0).id(), ref -> {
                throw new AssertionError("the letter has its body: no ledger read needed");
            })).isTrue();
        }
        assertThat(dead.list()).isEmpty();
        assertThat(handled).contains(2L);
    }

    @Test
    void aFailureWhileCheckpointingReadsTheBatchAgainInsteadOfSkippingIt() {
        write(1, 10);
        boolean[] failedOnce = {false};
        CheckpointStore flaky = new CheckpointStore() {
            boolean broken = true;

            @Override
            public Checkpoint load(String shardId) {
                return checkpoints.load(shardId);
            }

            @Override
            public void save(Checkpoint checkpoint) {
                if (broken) {
                    broken = false;
                    throw new IllegalStateException("checkpoint table unavailable");
                }
                checkpoints.save(checkpoint);
            }
        };
        try (StreamPoller p = StreamPoller.forTable(db.client(), db.streamsClient(), table, function(v -> {
            if (v == 6 && !failedOnce[0]) {
                failedOnce[0] = true;
                return true; // a partial failure: the poller checkpoints 5, and that save fails
            }
            return false;
        }), "fn", fast().withBisectOnError(false), flaky, dead).start()) {
            eventually(() -> assertThat(new java.util.TreeSet<>(handled)).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L,
                    8L, 9L, 10L));
        }
        assertThat(dead.list()).isEmpty();
    }

    @Test
    void theRetryStartsAtTheLowestReportedFailure() {
        write(1, 10);
        boolean[] reported = {false};
        RequestHandler<DynamodbEvent, StreamsEventResponse> outOfOrder = (event, context) -> {
            List<Long> versions = new ArrayList<>();
            for (DynamodbEvent.DynamodbStreamRecord r : event.getRecords()) {
                versions.add(StreamRecords.toEvent(r).version());
            }
            invocations.add(versions);
            if (!reported[0] && versions.contains(3L) && versions.contains(8L)) {
                reported[0] = true;
                handled.addAll(versions.subList(0, versions.indexOf(3L)));
                List<StreamsEventResponse.BatchItemFailure> failures = new ArrayList<>();
                for (DynamodbEvent.DynamodbStreamRecord r : event.getRecords()) {
                    long v = StreamRecords.toEvent(r).version();
                    if (v == 8 || v == 3) {
                        failures.add(0, new StreamsEventResponse.BatchItemFailure(r.getDynamodb().getSequenceNumber()));
                    }
                }
                return new StreamsEventResponse(failures); // [8, 3]: not in order
            }
            handled.addAll(versions);
            return new StreamsEventResponse(List.of());
        };
        try (StreamPoller p = poller(outOfOrder, fast().withBisectOnError(false)).start()) {
            eventually(() -> assertThat(new java.util.TreeSet<>(handled)).hasSize(10));
        }
        assertThat(invocations.get(1).get(0)).as("retried from record 3, not 8").isEqualTo(3);
    }

    @Test
    void aRestartedPollerResumesFromTheCheckpoint() {
        write(1, 5);
        try (StreamPoller p = poller(function(v -> false), fast()).start()) {
            eventually(() -> assertThat(handled).hasSize(5));
        }
        write(6, 9);
        handled.clear();
        try (StreamPoller p = poller(function(v -> false), fast()).start()) {
            eventually(() -> assertThat(handled).containsExactly(6L, 7L, 8L, 9L));
        }
    }

    @Test
    void recordsOlderThanTheMaximumAgeSkipTheFunction() throws Exception {
        write(1, 3);
        Thread.sleep(2_500);
        try (StreamPoller p = poller(function(v -> false), fast().withMaxRecordAge(Duration.ofSeconds(1))).start()) {
            eventually(() -> assertThat(dead.list()).hasSize(3));
        }
        assertThat(handled).isEmpty();
        assertThat(dead.list().get(0).error()).contains("maximum record age");
    }

    @Test
    void theBatchingWindowGathersRecordsIntoOneInvocation() {
        try (StreamPoller p = poller(function(v -> false),
                fast().withBatchSize(50).withBatchingWindow(Duration.ofSeconds(3))).start()) {
            // both writes (and DynamoDB Local's stream lag) fall within the window on a slow machine too
            write(1, 4);
            write(5, 8);
            eventually(() -> assertThat(handled).hasSize(8));
        }
        assertThat(invocations).hasSize(1);
    }

    @Test
    void aLedgerRecordThatCannotBeReadIsDeadLetteredAsAReferenceNotSkipped() {
        write(1, 3);
        java.util.Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> bad =
                new java.util.HashMap<>(dev.tally.dynamodb.LedgerItems.key("s", "broken", 1));
        bad.put(dev.tally.dynamodb.LedgerItems.KIND, software.amazon.awssdk.services.dynamodb.model.AttributeValue
                .fromS(dev.tally.dynamodb.LedgerItems.EVENT_KIND)); // an event item without type, payload, ...
        db.client().putItem(b -> b.tableName(table).item(bad));
        write(4, 5);
        try (StreamPoller p = poller(function(v -> false), fast().withMaxRetryAttempts(1)).start()) {
            eventually(() -> assertThat(dead.list()).hasSize(1));
            eventually(() -> assertThat(handled).containsExactlyInAnyOrder(1L, 2L, 3L, 4L, 5L));
            DeadLetter letter = dead.list().get(0);
            assertThat(letter.hasBody()).isFalse();
            assertThat(letter.ref()).isEqualTo(new dev.tally.core.runtime.MessageRef(
                    dev.tally.core.message.MessageKind.NOTIFICATION, "s", "broken", 1));
            assertThat(letter.error()).contains("cannot be read");
            assertThat(p.stats().undecodable()).isEqualTo(1);
        }
    }

    @Test
    void aHorizonIteratorOutdatedBeforeTheFirstRecordIsNoTrim() {
        try (StreamPoller p = poller(function(v -> false), fast()).start()) {
            eventually(() -> assertThat(p.lastEmptyPollStartedAt()).as("polled the empty shard").isPositive());
            // another streamed table's write first: DynamoDB Local then calls the empty shard's horizon
            // iterator trimmed, though nothing was ever written to it
            String other = table + "-other";
            DynamoDbTables.createIfMissing(db.client(), TableDefinitions.ledger(other));
            new DynamoDbLedger(db.client(), other).append(TestEvents.stream("s", "b", 1, 2));
            write(1, 3);
            eventually(() -> assertThat(handled).containsExactly(1L, 2L, 3L));
            assertThat(p.stats().trimmed()).isZero();
            assertThat(p.stats().lastError()).isNull();
        }
        assertThat(dead.list()).isEmpty();
    }

    @Test
    void recordsTrimmedPastTheCheckpointAreStillReported() {
        write(1, 3);
        try (StreamPoller p = poller(function(v -> false), fast()).start()) {
            eventually(() -> assertThat(handled).hasSize(3));
        }
        write(4, 6);
        // DynamoDB Local keeps its records; the stream here answers as DynamoDB does once the records
        // after the checkpoint passed the 24-hour retention: TrimmedDataAccessException
        try (TrimmingStreams trimming = new TrimmingStreams(db.streamsClient());
             StreamPoller p = StreamPoller.forTable(db.client(), trimming, table, function(v -> false), "fn", fast(),
                     checkpoints, dead).start()) {
            // the count and its reason are two fields: wait for both, not for the one and then read the other
            eventually(() -> {
                StreamPoller.Stats stats = p.stats();
                assertThat(stats.trimmed()).isEqualTo(1);
                assertThat(stats.lastError()).contains("trimmed past the checkpoint 0").contains("tally verify --repair");
            });
            eventually(() -> assertThat(handled).contains(4L, 5L, 6L)); // then it reads on from the horizon
        }
    }

    /** Streams whose records after any checkpoint are trimmed, the first time they are asked for. */
    static final class TrimmingStreams implements software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient {
        private final software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient real;
        private final java.util.Set<String> afterCheckpoint = java.util.concurrent.ConcurrentHashMap.newKeySet();
        private boolean trimmed;

        TrimmingStreams(software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient real) {
            this.real = real;
        }

        @Override
        public software.amazon.awssdk.services.dynamodb.model.DescribeStreamResponse describeStream(
                software.amazon.awssdk.services.dynamodb.model.DescribeStreamRequest request) {
            return real.describeStream(request);
        }

        @Override
        public software.amazon.awssdk.services.dynamodb.model.GetShardIteratorResponse getShardIterator(
                software.amazon.awssdk.services.dynamodb.model.GetShardIteratorRequest request) {
            var response = real.getShardIterator(request);
            if (request.shardIteratorType()
                    == software.amazon.awssdk.services.dynamodb.model.ShardIteratorType.AFTER_SEQUENCE_NUMBER) {
                afterCheckpoint.add(response.shardIterator());
            }
            return response;
        }

        @Override
        public synchronized software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse getRecords(
                software.amazon.awssdk.services.dynamodb.model.GetRecordsRequest request) {
            if (!trimmed && afterCheckpoint.contains(request.shardIterator())) {
                trimmed = true;
                throw software.amazon.awssdk.services.dynamodb.model.TrimmedDataAccessException.builder()
                        .message("The operation attempted to read past the oldest stream record in a shard.")
                        .build();
            }
            return real.getRecords(request);
        }

        @Override
        public String serviceName() {
            return real.serviceName();
        }

        @Override
        public void close() {
            // the real client belongs to the LocalDynamoDb
        }
    }
}
