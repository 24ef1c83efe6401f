package dev.tally.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.aws.S3ArchiveStore;
import dev.tally.cli.OpsTestApp.Add;
import dev.tally.cli.OpsTestApp.Count;
import dev.tally.cli.OpsTestApp.Total;
import dev.tally.core.EventStore;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.StreamArchived;
import dev.tally.core.archive.ArchiveReadingLedger;
import dev.tally.dynamodb.DynamoDbLedger;
import dev.tally.dynamodb.DynamoDbProjectionWriter;
import dev.tally.dynamodb.DynamoDbSnapshotStore;
import dev.tally.dynamodb.DynamoDbTables;
import dev.tally.dynamodb.TableDefinitions;
import dev.tally.local.LocalDynamoDb;
import dev.tally.testing.MotoServer;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** {@code tally archive} to S3 (moto_server) from a DynamoDB Local ledger: archived, loaded, appended to, rebuilt. */
class ArchiveS3CommandTest {
    @TempDir
    Path dir;

    @Test
    void archiveToS3AndBack() {
        try (MotoServer moto = MotoServer.startOrSkip(); LocalDynamoDb db = LocalDynamoDb.inMemory()) {
            DynamoDbClient client = db.client();
            DynamoDbTables.createIfMissing(client, TableDefinitions.ledger("tally-ledger"));
            DynamoDbTables.createIfMissing(client, TableDefinitions.snapshots("tally-snapshots"));
            DynamoDbTables.createIfMissing(client, TableDefinitions.views("ops-ops-total"));
            URI location = URI.create("s3://tally-cold/ledger");
            S3ArchiveStore s3 = S3ArchiveStore.at(location, moto.endpoint(), Region.US_EAST_1);
            s3.client().createBucket(b -> b.bucket("tally-cold"));
            EventStore<Count> old = EventStore.builder(OpsTestApp.COUNTER, new DynamoDbLedger(client, "tally-ledger"))
                    .clock(Clock.fixed(Instant.now().minus(Duration.ofDays(100)), ZoneOffset.UTC)).build();
            for (int i = 0; i < 15; i++) {
                for (int k = 1; k <= 30; k++) {
                    old.execute("z" + i, new Add(k));
                }
            }
            List<RecordedEvent> before = old.read("z9", ReadOptions.ALL);
            Path app = OpsTestApp.jar(dir);
            String[] conn = {"--dynamodb-endpoint", db.endpoint().toString(), "--app", app.toString(),
                "--archive-s3", location.toString(), "--s3-endpoint", moto.endpoint().toString()};

            OpsCommandsTest.Run run = OpsThroughServerTest.tally(concat(new String[] {"archive", "ops-counter",
                "--idle-days", "90", "--progress", "none"}, conn));
            assertThat(run.code()).as(run.all()).isZero();
            assertThat(run.out()).contains("15 aggregates looked at, 15 archived (450 events moved)");
            assertThat(s3.get("ops-counter", "z9")).isEqualTo(before);
            DynamoDbLedger raw = new DynamoDbLedger(client, "tally-ledger");
            assertThat(raw.read("ops-counter", "z9", ReadOptions.ALL)).singleElement()
                    .satisfies(e -> assertThat(e.type()).isEqualTo(StreamArchived.TYPE_NAME));
            // the snapshot at the marker: a load reads neither the archive nor the archived events
            assertThat(new DynamoDbSnapshotStore(client, "tally-snapshots").latest("ops-counter", "z9",
                    OpsTestApp.COUNTER.reducerVersion())).hasValueSatisfying(s -> assertThat(s.version()).isEqualTo(31));

            EventStore<Count> reader = EventStore.builder(OpsTestApp.COUNTER, new ArchiveReadingLedger(raw, s3))
                    .cache(0).build();
            assertThat(reader.read("z9", ReadOptions.range(1, 30))).isEqualTo(before);
            assertThat(reader.loadAt("z9", 3).state()).isEqualTo(new Count(6));
            reader.execute("z9", new Add(1));
            assertThat(reader.load("z9").state()).isEqualTo(new Count(466));
            assertThat(reader.load("z9").version()).isEqualTo(32);

            OpsCommandsTest.Run rebuild = OpsThroughServerTest.tally(concat(new String[] {"rebuild", "ops-total",
                "--progress", "none", "--checkpoint", dir.resolve("r.json").toString()}, conn));
            assertThat(rebuild.code()).as(rebuild.all()).isZero();
            DynamoDbProjectionWriter<Total> views = new DynamoDbProjectionWriter<>(client, "ops-ops-total", Total.class);
            assertThat(views.read("z9").orElseThrow().view()).isEqualTo(new Total(466));
            assertThat(views.read("z0").orElseThrow().view()).isEqualTo(new Total(465));
            assertThat(views.read("z0").orElseThrow().version()).isEqualTo(31);
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
