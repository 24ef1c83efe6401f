package dev.tally.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.cli.OpsTestApp.Add;
import dev.tally.cli.OpsTestApp.Count;
import dev.tally.cli.OpsTestApp.Total;
import dev.tally.core.EventStore;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.StreamArchived;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.projection.ProjectionWriter;
import dev.tally.core.internal.Chaos;
import dev.tally.local.LocalPipeline;
import dev.tally.server.TallyServer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tally archive --url}: a running server archives into DATA_DIR/archive through
 * {@code POST /api/ops/stores/{store}/archive}, and then serves archived history as if it had not
 * moved: the events route, aggregate loads at old versions, commands at the right next version, a
 * rebuild, verify-snapshots.
 */
class ArchiveThroughServerTest {
    @TempDir
    Path dir;

    @Test
    @SuppressWarnings("unchecked")
    void archiveThroughARunningServerAndReadItBack() throws Exception {
        Path data = dir.resolve("data");
        try (TallyServer server = TallyServer.start(new TallyServer.Settings(data, TallyServer.HOST, 0, null,
                Chaos.NONE, List.of(new OpsTestApp())), line -> { })) {
            String url = server.url().toString();
            // history written 40 days ago, on the server's own ledger (dispatched like any event)
            EventStore<Count> old = EventStore.builder(OpsTestApp.COUNTER, server.archiveLedger())
                    .clock(Clock.fixed(Instant.now().minus(Duration.ofDays(40)), ZoneOffset.UTC)).build();
            for (int i = 0; i < 12; i++) {
                for (int k = 1; k <= 5; k++) {
                    old.execute("h" + i, new Add(k));
                }
            }
            EventStore<Count> counters = (EventStore<Count>) server.stores().get("ops-counter");
            counters.execute("h11", new Add(100)); // recent: stays
            assertThat(server.awaitQuiet(Duration.ofSeconds(60))).isTrue();
            ApiClient api = new ApiClient(url, null);
            JsonNode before = api.get("/api/stores/ops-counter/h3/events");

            OpsCommandsTest.Run run = OpsThroughServerTest.tally("archive", "ops-counter", "--idle-days", "30",
                    "--url", url, "--page-size", "5", "--progress", "lines", "--every", "0");
            assertThat(run.code()).as(run.all()).isZero();
            assertThat(run.out()).contains("12 aggregates looked at, 11 archived (55 events moved)")
                    .contains("active=1").contains("archived=11");
            assertThat(data.resolve("archive/ops-counter/h3.jsonl.gz")).exists();
            assertThat(((LocalPipeline) server.engine().pipeline()).ledger().read("ops-counter", "h3", ReadOptions.ALL)).singleElement()
                    .satisfies(e -> assertThat(e.type()).isEqualTo(StreamArchived.TYPE_NAME));

            // the events route reads the archived history, then the marker
            JsonNode after = api.get("/api/stores/ops-counter/h3/events");
            List<JsonNode> events = new ArrayList<>();
            after.get("events").forEach(events::add);
            assertThat(events).hasSize(6);
            for (int v = 0; v < 5; v++) {
                assertThat(events.get(v)).isEqualTo(before.get("events").get(v));
            }
            assertThat(events.get(5).get("type").asText()).isEqualTo(StreamArchived.TYPE_NAME);
            JsonNode page = api.get("/api/stores/ops-counter/h3/events?limit=2&cursor=2");
            assertThat(page.get("events").get(0).get("version").asLong()).isEqualTo(2);
            assertThat(page.get("nextCursor").asText()).isEqualTo("4");

            // an aggregate at an archived version, and the head
            assertThat(api.get("/api/stores/ops-counter/h3/aggregate?atVersion=3").get("state").get("value").asLong())
                    .isEqualTo(6);
            assertThat(api.get("/api/stores/ops-counter/h3/aggregate").get("version").asLong()).isEqualTo(6);

            // a command appends after the marker, at the right version
            JsonNode accepted = api.post("/api/stores/ops-counter/h3/commands/Add", JsonCodec.parse("{\"by\": 1000}"));
            assertThat(accepted.get("version").asLong()).isEqualTo(7);
            assertThat(api.get("/api/stores/ops-counter/h3/aggregate").get("state").get("value").asLong())
                    .isEqualTo(1015);
            assertThat(server.awaitQuiet(Duration.ofSeconds(60))).isTrue();
            ProjectionWriter<Total> total = (ProjectionWriter<Total>) server.views("ops-total");
            assertThat(total.read("h3").orElseThrow().view()).isEqualTo(new Total(1015));

            // rebuilt from the archive through the server; snapshots verified against archived history
            total.delete("h5");
            OpsCommandsTest.Run rebuild = OpsThroughServerTest.tally("rebuild", "ops-total", "--url", url,
                    "--checkpoint", dir.resolve("r.json").toString());
            assertThat(rebuild.code()).as(rebuild.all()).isZero();
            assertThat(server.awaitQuiet(Duration.ofSeconds(60))).isTrue();
            assertThat(total.read("h5").orElseThrow().view()).isEqualTo(new Total(15));
            assertThat(total.read("h5").orElseThrow().version()).isEqualTo(6);
            OpsCommandsTest.Run verify = OpsThroughServerTest.tally("verify-snapshots", "ops-counter", "--url", url);
            assertThat(verify.code()).as(verify.all()).isZero();
            assertThat(verify.out()).contains("0 mismatches");

            // a second run leaves them alone; bad bodies are refused with what to send
            OpsCommandsTest.Run again = OpsThroughServerTest.tally("archive", "ops-counter", "--idle-days", "30",
                    "--url", url, "--progress", "none");
            assertThat(again.out()).as(again.all()).contains("0 archived").contains("already_archived=10");
            assertThatThrownBy(() -> api.post("/api/ops/stores/ops-counter/archive",
                    JsonCodec.parse("{\"ids\": [\"h1\"]}"))).hasMessageContaining("'idleDays'");
            assertThatThrownBy(() -> api.post("/api/ops/stores/ops-counter/archive",
                    JsonCodec.parse("{\"ids\": [\"h1\"], \"idleDays\": 0}"))).hasMessageContaining(">= 1");
            OpsCommandsTest.Run local = OpsThroughServerTest.tally("archive", "ops-counter", "--idle-days", "30",
                    "--url", url, "--archive-dir", dir.toString());
            assertThat(local.err()).contains("a server uses its own");
        }

        // after a restart the server still reads the archive in its data directory
        try (TallyServer server = TallyServer.start(new TallyServer.Settings(data, TallyServer.HOST, 0, null,
                Chaos.NONE, List.of(new OpsTestApp())), line -> { })) {
            EventStore<Count> counters = (EventStore<Count>) server.stores().get("ops-counter");
            List<RecordedEvent> h4 = counters.read("h4", ReadOptions.ALL);
            assertThat(h4).extracting(RecordedEvent::version).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
            assertThat(counters.loadAt("h4", 2).state()).isEqualTo(new Count(3));
        }
    }
}
