package dev.tally.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.cli.OpsTestApp.Add;
import dev.tally.cli.OpsTestApp.Count;
import dev.tally.cli.OpsTestApp.Total;
import dev.tally.core.EventStore;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.StreamArchived;
import dev.tally.core.archive.ArchiveReadingLedger;
import dev.tally.core.archive.DirectoryArchiveStore;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.projection.Versioned;
import dev.tally.core.snapshot.Snapshot;
import dev.tally.core.snapshot.SnapshotPolicy;
import dev.tally.dynamodb.DynamoDbLedger;
import dev.tally.dynamodb.DynamoDbProjectionWriter;
import dev.tally.dynamodb.DynamoDbSnapshotStore;
import dev.tally.dynamodb.DynamoDbTables;
import dev.tally.dynamodb.TableDefinitions;
import dev.tally.local.LocalDynamoDb;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The operations commands run as a user runs them (picocli, in this JVM) directly against DynamoDB
 * Local: rebuild (dry run, plain progress lines, one message per aggregate to one projection),
 * replay, verify-snapshots and an archive round trip on a local directory.
 */
class OpsCommandsTest {
    static final int AGGREGATES = 230;
    static LocalDynamoDb db;
    static DynamoDbClient client;
    @TempDir
    static Path dir;
    static Path app;

    record Run(int code, String out, String err) {
        String all() {
            return out + err;
        }
    }

    static Run tally(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    static String[] direct(String ledger, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--dynamodb-endpoint", db.endpoint().toString(), "--app", app.toString(),
                "--ledger-table", ledger, "--snapshot-table", ledger + "-snapshots"));
        return all.toArray(String[]::new);
    }

    static EventStore<Count> counters(String ledger, Instant at) {
        return EventStore.builder(OpsTestApp.COUNTER, new DynamoDbLedger(client, ledger))
                .snapshots(new DynamoDbSnapshotStore(client, ledger + "-snapshots"), SnapshotPolicy.everyNEvents(5))
                .clock(Clock.fixed(at, ZoneOffset.UTC)).build();
    }

    static void tables(String ledger) {
        DynamoDbTables.createIfMissing(client, TableDefinitions.ledger(ledger));
        DynamoDbTables.createIfMissing(client, TableDefinitions.snapshots(ledger + "-snapshots"));
    }

    @BeforeAll
    static void start() {
        db = LocalDynamoDb.inMemory();
        client = db.client();
        app = OpsTestApp.jar(dir);
        tables("tally-ledger");
        DynamoDbTables.createIfMissing(client, TableDefinitions.views("ops-ops-total"));
        DynamoDbTables.createIfMissing(client, TableDefinitions.views("ops-ops-other"));
        EventStore<Count> counters = counters("tally-ledger", Instant.now().minus(Duration.ofDays(10)));
        for (int i = 0; i < AGGREGATES; i++) {
            for (int k = 1; k <= 1 + i % 12; k++) {
                counters.execute(String.format("c%03d", i), new Add(k));
            }
        }
    }

    @AfterAll
    static void stop() {
        if (db != null) {
            db.close();
        }
    }

    static DynamoDbProjectionWriter<Total> views(String table) {
        return new DynamoDbProjectionWriter<>(client, table, Total.class);
    }

    @Test
    void rebuildSendsOneMessagePerAggregateToThatProjectionOnlyWithPlainProgressLines() {
        Path place = dir.resolve("rebuild-total.json");
        Run dry = tally(direct("tally-ledger", "rebuild", "ops-total", "--dry-run"));
        assertThat(dry.code()).as(dry.all()).isZero();
        assertThat(dry.out()).contains("would send " + AGGREGATES + " messages, one per aggregate of ops-counter");
        assertThat(views("ops-ops-total").read("c001")).isEmpty();

        Run run = tally(direct("tally-ledger", "rebuild", "ops-total", "--page-size", "50", "--progress", "lines",
                "--every", "0", "--checkpoint", place.toString()));
        assertThat(run.code()).as(run.all()).isZero();
        List<String> lines = run.out().lines().filter(l -> l.startsWith("rebuild ops-total: ")).toList();
        // not a terminal: one plain line a page (--every 0), no carriage returns, the last says done
        assertThat(run.out()).doesNotContain("\r");
        assertThat(lines).hasSize(5);
        assertThat(lines.get(0)).matches("rebuild ops-total: 50/230 aggregates \\(21%\\), 50 messages, \\d+"
                + " aggregates/s, about \\d+:\\d\\d left");
        assertThat(lines.get(4)).startsWith("rebuild ops-total: 230/230 aggregates (100%), 230 messages").endsWith("done");
        assertThat(run.out()).containsPattern("rebuilt ops-total: 230 aggregates; this run sent 230 messages covering"
                + " \\d+ events");
        assertThat(Files.exists(place)).as("the place is forgotten once done").isFalse();

        EventStore<Count> counters = counters("tally-ledger", Instant.now());
        for (String id : List.of("c000", "c011", "c229")) {
            Versioned<Total> v = views("ops-ops-total").read(id).orElseThrow();
            assertThat(v.view().value()).isEqualTo(counters.load(id).state().value());
            assertThat(v.version()).isEqualTo(counters.load(id).version());
        }
        assertThat(views("ops-ops-total").list(dev.tally.core.PageRequest.first(1000)).items()).hasSize(AGGREGATES);
        assertThat(views("ops-ops-other").list(dev.tally.core.PageRequest.first(10)).items())
                .as("the other projection heard nothing").isEmpty();
    }

    @Test
    void badInputGetsAClearError() {
        Run unknown = tally(direct("tally-ledger", "rebuild", "nope"));
        assertThat(unknown.code()).isNotZero();
        assertThat(unknown.err()).contains("no projection 'nope'").contains("ops-total");
        Run rate = tally(direct("tally-ledger", "rebuild", "ops-total", "--rate", "fast"));
        assertThat(rate.err()).contains("--rate is a positive number of aggregates a second");
        Run both = tally("rebuild", "ops-total", "--url", "http://127.0.0.1:1", "--dynamodb-endpoint",
                db.endpoint().toString());
        assertThat(both.err()).contains("pass one or the other");
        Run neither = tally(direct("tally-ledger", "replay", "ops-counter"));
        assertThat(neither.err()).contains("or pass --all");
        Run noArchive = tally(direct("tally-ledger", "archive", "ops-counter", "--idle-days", "3"));
        assertThat(noArchive.err()).contains("needs an archive: --archive-dir");
        Run zero = tally(direct("tally-ledger", "archive", "ops-counter", "--idle-days", "0", "--archive-dir",
                dir.resolve("z").toString()));
        assertThat(zero.err()).contains("--idle-days must be at least 1");
    }

    @Test
    void replayOneAndAllAppendsTheReplayEvent() {
        tables("replay-ledger");
        EventStore<Count> counters = counters("replay-ledger", Instant.now());
        for (int i = 0; i < 30; i++) {
            counters.execute("r" + i, new Add(i));
            counters.execute("r" + i, new Add(1));
        }
        Run one = tally(direct("replay-ledger", "replay", "ops-counter", "r3"));
        assertThat(one.code()).as(one.all()).isZero();
        assertThat(one.out()).contains("replayed ops-counter/r3: the replay event is v3");
        Run none = tally(direct("replay-ledger", "replay", "ops-counter", "nobody"));
        assertThat(none.code()).isEqualTo(1);
        assertThat(none.out()).contains("has no events");
        Run all = tally(direct("replay-ledger", "replay", "ops-counter", "--all", "--page-size", "7",
                "--progress", "none"));
        assertThat(all.code()).as(all.all()).isZero();
        assertThat(all.out()).contains("replayed 30 aggregates of ops-counter: 30 replay events appended");
        assertThat(counters.load("r3").version()).isEqualTo(4);
        assertThat(counters.load("r4").version()).isEqualTo(3);
        assertThat(counters.load("r4").state().value()).isEqualTo(5);
        RecordedEvent last = counters.read("r4", ReadOptions.latest(1)).get(0);
        assertThat(last.type()).isEqualTo("tally.ReplayRequested");
    }

    @Test
    void verifySnapshotsFindsACorruptedOneAndSamples() {
        Run clean = tally(direct("tally-ledger", "verify-snapshots", "ops-counter"));
        assertThat(clean.code()).as(clean.all()).isZero();
        // aggregates with 5 or more events have one (everyNEvents(5)); c000..c003 of 1-4 events have none
        assertThat(clean.out()).containsPattern("ops-counter: checked \\d+ snapshots, \\d+ aggregates without one: 0"
                + " mismatches");
        DynamoDbSnapshotStore snapshots = new DynamoDbSnapshotStore(client, "tally-ledger-snapshots");
        Snapshot good = snapshots.latest("ops-counter", "c011", OpsTestApp.COUNTER.reducerVersion()).orElseThrow();
        snapshots.save(new Snapshot("ops-counter", "c011", good.version(), good.reducerVersion(),
                JsonCodec.toTree(new Count(-1)), good.takenAt()));
        try {
            Run bad = tally(direct("tally-ledger", "verify-snapshots", "ops-counter"));
            assertThat(bad.code()).isEqualTo(VerifySnapshotsCommand.MISMATCH);
            assertThat(bad.out()).contains("1 mismatches").contains("ops-counter/c011: snapshot at v" + good.version());
            Run sample = tally(direct("tally-ledger", "verify-snapshots", "ops-counter", "--sample", "12", "--seed",
                    "4"));
            assertThat(sample.out()).contains("in a sample of 12 of 230 aggregates");
            Run again = tally(direct("tally-ledger", "verify-snapshots", "ops-counter", "--sample", "12", "--seed",
                    "4"));
            assertThat(again.out()).isEqualTo(sample.out());
        } finally {
            snapshots.save(good);
        }
    }

    @Test
    void archiveRoundTripOnALocalDirectory() {
        tables("archive-ledger");
        EventStore<Count> old = counters("archive-ledger", Instant.now().minus(Duration.ofDays(40)));
        for (int i = 0; i < 25; i++) {
            for (int k = 1; k <= 8; k++) {
                old.execute("a" + i, new Add(k));
            }
        }
        counters("archive-ledger", Instant.now()).execute("a24", new Add(100)); // recent: stays
        List<RecordedEvent> before = old.read("a3", ReadOptions.ALL);
        Path archive = dir.resolve("archive");

        Run run = tally(direct("archive-ledger", "archive", "ops-counter", "--idle-days", "30", "--archive-dir",
                archive.toString(), "--page-size", "10", "--progress", "lines", "--every", "0"));
        assertThat(run.code()).as(run.all()).isZero();
        assertThat(run.out()).contains("25 aggregates looked at, 24 archived (192 events moved)")
                .contains("active=1").contains("archived=24");
        assertThat(archive.resolve("ops-counter/a3.jsonl.gz")).exists();
        DynamoDbLedger raw = new DynamoDbLedger(client, "archive-ledger");
        assertThat(raw.read("ops-counter", "a3", ReadOptions.ALL)).singleElement()
                .satisfies(e -> assertThat(e.type()).isEqualTo(StreamArchived.TYPE_NAME))
                .satisfies(e -> assertThat(e.version()).isEqualTo(9));
        // still listed (the marker took over the aggregate index)
        assertThat(raw.listAggregateIds("ops-counter", dev.tally.core.PageRequest.first(100)).items()).hasSize(25);

        // loaded and appended to through the archive; read whole
        ArchiveReadingLedger ledger = new ArchiveReadingLedger(raw, new DirectoryArchiveStore(archive));
        EventStore<Count> reader = EventStore.builder(OpsTestApp.COUNTER, ledger).cache(0).build();
        assertThat(reader.read("a3", ReadOptions.range(1, 8))).isEqualTo(before);
        assertThat(reader.loadAt("a3", 4).state()).isEqualTo(new Count(10));
        // a writer on an old state is refused, at v1 (a "new" stream) as at v5, though those keys were deleted
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> reader.append("a5", 0, new OpsTestApp.Counted(1)))
                .isInstanceOf(dev.tally.core.ledger.VersionConflict.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> reader.append("a5", 4, new OpsTestApp.Counted(1)))
                .isInstanceOf(dev.tally.core.ledger.VersionConflict.class);
        reader.execute("a3", new Add(1000));
        assertThat(reader.load("a3").version()).isEqualTo(10);
        assertThat(reader.load("a3").state()).isEqualTo(new Count(1036));

        // rebuilt through the archive: every view from the full history
        DynamoDbTables.createIfMissing(client, TableDefinitions.views("archive-total"));
        Run rebuild = tally(direct("archive-ledger", "rebuild", "ops-total", "--archive-dir", archive.toString(),
                "--view-table", "archive-total", "--checkpoint", dir.resolve("archive-rebuild.json").toString()));
        assertThat(rebuild.code()).as(rebuild.all()).isZero();
        assertThat(views("archive-total").read("a3").orElseThrow().view()).isEqualTo(new Total(1036));
        assertThat(views("archive-total").read("a7").orElseThrow().view()).isEqualTo(new Total(36));

        // a second archive run leaves archived streams and the recent one alone
        Run again = tally(direct("archive-ledger", "archive", "ops-counter", "--idle-days", "30", "--archive-dir",
                archive.toString(), "--progress", "none"));
        assertThat(again.out()).contains("0 archived").contains("already_archived=23");
    }
}
