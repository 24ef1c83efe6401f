package dev.tally.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.AggregateDefinition;
import dev.tally.core.Decider;
import dev.tally.core.Event;
import dev.tally.core.EventStore;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.StreamArchived;
import dev.tally.core.archive.ArchiveReadingLedger;
import dev.tally.core.archive.Archiver;
import dev.tally.core.command.Command;
import dev.tally.core.command.Decision;
import dev.tally.core.ledger.VersionConflict;
import dev.tally.core.memory.InMemoryLedger;
import dev.tally.core.memory.InMemoryProjectionWriter;
import dev.tally.core.memory.InMemorySnapshotStore;
import dev.tally.core.ops.ProjectionResend;
import dev.tally.core.ops.Rebuild;
import dev.tally.core.projection.Projection;
import dev.tally.core.projection.Projector;
import dev.tally.core.snapshot.SnapshotPolicy;
import dev.tally.testing.MotoServer;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;

/** The S3 archive on moto_server (an independent implementation of S3): an archive round trip. */
class S3ArchiveStoreTest {
    static MotoServer moto;

    sealed interface CountEvent permits Counted {
    }

    record Counted(long by) implements CountEvent {
    }

    record Count(long value) {
    }

    sealed interface CountCommand extends Command<Count> permits Add {
    }

    record Add(long by) implements CountCommand {
    }

    static final AggregateDefinition<Count> COUNTER = AggregateDefinition.builder("s3-counter", Count.class,
            CountCommand.class, CountEvent.class, Decider.<CountCommand, CountEvent, Count>of(new Count(0),
                    (c, s) -> Decision.emit(new Counted(((Add) c).by())),
                    (s, e) -> new Count(s.value() + ((Counted) e.payload()).by()))).build();

    @BeforeAll
    static void start() {
        moto = MotoServer.startOrSkip();
    }

    @AfterAll
    static void stop() {
        if (moto != null) {
            moto.close();
        }
    }

    static S3ArchiveStore store(String bucket, String prefix) {
        S3ArchiveStore s = S3ArchiveStore.at(URI.create("s3://" + bucket + "/" + prefix), moto.endpoint(),
                Region.US_EAST_1);
        return s;
    }

    static void bucket(String name) {
        S3ArchiveStore.at(URI.create("s3://" + name), moto.endpoint(), Region.US_EAST_1).client()
                .createBucket(b -> b.bucket(name));
    }

    static final class At extends Clock {
        Instant now = Instant.parse("2026-03-01T00:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void archivedLoadedAppendedToAndRebuiltOnS3() {
        bucket("tally-archive");
        S3ArchiveStore s3 = store("tally-archive", "cold/");
        InMemoryLedger raw = new InMemoryLedger();
        ArchiveReadingLedger ledger = new ArchiveReadingLedger(raw, s3);
        At clock = new At();
        EventStore<Count> counters = EventStore.builder(COUNTER, ledger).clock(clock)
                .snapshots(new InMemorySnapshotStore(), SnapshotPolicy.never()).build();
        for (int i = 0; i < 12; i++) {
            for (int k = 1; k <= 40; k++) {
                counters.execute("c" + i, new Add(k));
            }
        }
        List<RecordedEvent> before = counters.read("c5", ReadOptions.ALL);
        clock.now = clock.now.plus(Duration.ofDays(3));
        Archiver archiver = new Archiver(ledger, clock);
        for (int i = 0; i < 12; i++) {
            assertThat(archiver.archive(counters, "c" + i, Duration.ofDays(2)).kind())
                    .isEqualTo(Archiver.Kind.ARCHIVED);
        }
        // the object is where it says, and holds the stream
        assertThat(s3.key("s3-counter", "c5")).isEqualTo("cold/s3-counter/c5.jsonl.gz");
        assertThat(s3.get("s3-counter", "c5")).isEqualTo(before);
        assertThat(raw.read("s3-counter", "c5", ReadOptions.ALL)).singleElement()
                .extracting(RecordedEvent::type).isEqualTo(StreamArchived.TYPE_NAME);

        EventStore<Count> cold = EventStore.builder(COUNTER, ledger).cache(0).build(); // no snapshots: reads S3
        assertThat(cold.read("c5", ReadOptions.range(1, 40))).isEqualTo(before);
        assertThat(cold.loadAt("c5", 10).state()).isEqualTo(new Count(55));
        assertThat(cold.load("c5").state()).isEqualTo(new Count(820));

        counters.execute("c5", new Add(1000));
        assertThat(cold.load("c5").version()).isEqualTo(42);
        assertThat(cold.load("c5").state()).isEqualTo(new Count(1820));
        assertThatThrownBy(() -> counters.append("c6", 12, new Counted(1))).isInstanceOf(VersionConflict.class);

        Projection<Count, Long> totals = Projection.of("totals", COUNTER, Long.class, a -> a.state().value());
        InMemoryProjectionWriter<Long> views = new InMemoryProjectionWriter<>("totals");
        Rebuild.Result r = Rebuild.builder(cold::listAggregateIds,
                new ProjectionResend(cold, new Projector<>(totals, views)::handle)).pageSize(5).build().run();
        assertThat(r.messages()).isEqualTo(12);
        assertThat(views.read("c5").orElseThrow().view()).isEqualTo(1820L);
        assertThat(views.read("c0").orElseThrow().view()).isEqualTo(820L);
    }

    @Test
    void aMissingBucketIsAnErrorAndAMissingObjectReadsEmpty() {
        bucket("tally-empty");
        assertThat(store("tally-empty", "").get("s", "nobody")).isEmpty();
        assertThatThrownBy(() -> store("no-such-bucket", "").put("s", "a", List.of()))
                .hasMessageContaining("bucket");
        assertThatThrownBy(() -> S3ArchiveStore.at(URI.create("file:///tmp/x"), null, Region.US_EAST_1))
                .hasMessageContaining("s3://BUCKET");
    }
}
