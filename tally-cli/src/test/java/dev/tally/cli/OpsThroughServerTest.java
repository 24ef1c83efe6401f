package dev.tally.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.cli.OpsTestApp.Add;
import dev.tally.cli.OpsTestApp.Count;
import dev.tally.cli.OpsTestApp.Total;
import dev.tally.core.EventStore;
import dev.tally.core.projection.ProjectionWriter;
import dev.tally.core.internal.Chaos;
import dev.tally.core.runtime.TargetStats;
import dev.tally.server.TallyServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operations commands with {@code --url}: a running server (its local EventBridge delivers
 * what the rebuild sends, to the one projection) and its /api/ops routes.
 */
class OpsThroughServerTest {
    @TempDir
    Path dir;

    static OpsCommandsTest.Run tally(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return new OpsCommandsTest.Run(cl.execute(args), out.toString(), err.toString());
    }

    private static long delivered(TallyServer server, String target) {
        return server.targetStats().stream().filter(t -> t.target().equals(target))
                .mapToLong(TargetStats::delivered).sum();
    }

    @Test
    @SuppressWarnings("unchecked")
    void rebuildReplayAndVerifySnapshotsThroughARunningServer() throws Exception {
        try (TallyServer server = TallyServer.start(new TallyServer.Settings(null, TallyServer.HOST, 0, null,
                Chaos.NONE, List.of(new OpsTestApp())), line -> { })) {
            String url = server.url().toString();
            new Http(server.url()).awaitStartupCheck();
            EventStore<Count> counters = (EventStore<Count>) server.stores().get("ops-counter");
            for (int i = 0; i < 45; i++) {
                counters.execute("s" + i, new Add(i));
                counters.execute("s" + i, new Add(2));
            }
            assertThat(server.awaitQuiet(Duration.ofSeconds(60))).isTrue();
            ProjectionWriter<Total> total = (ProjectionWriter<Total>) server.views("ops-total");
            for (int i = 0; i < 45; i += 2) {
                total.delete("s" + i); // a projection that lost views (or a new one): 23 to fill
            }
            long totalBefore = delivered(server, "ops-total");
            long otherBefore = delivered(server, "ops-other");

            OpsCommandsTest.Run dry = tally("rebuild", "ops-total", "--url", url, "--dry-run");
            assertThat(dry.out()).as(dry.all()).contains("would send 45 messages");
            OpsCommandsTest.Run run = tally("rebuild", "ops-total", "--url", url, "--page-size", "10", "--progress",
                    "lines", "--every", "0", "--checkpoint", dir.resolve("p.json").toString());
            assertThat(run.code()).as(run.all()).isZero();
            assertThat(run.out()).contains("rebuilt ops-total: 45 aggregates; this run sent 45 messages covering 90"
                    + " events");
            assertThat(server.awaitQuiet(Duration.ofSeconds(60))).isTrue();
            assertThat(delivered(server, "ops-total") - totalBefore).isEqualTo(45);
            assertThat(delivered(server, "ops-other") - otherBefore).isZero();
            assertThat(total.read("s4").orElseThrow().view()).isEqualTo(new Total(6));
            assertThat(total.read("s4").orElseThrow().version()).isEqualTo(2);

            OpsCommandsTest.Run replay = tally("replay", "ops-counter", "s4", "--url", url);
            assertThat(replay.out()).as(replay.all()).contains("the replay event is v3");
            OpsCommandsTest.Run all = tally("replay", "ops-counter", "--all", "--url", url, "--progress", "none");
            assertThat(all.out()).as(all.all()).contains("replayed 45 aggregates of ops-counter: 45 replay events");
            assertThat(server.awaitQuiet(Duration.ofSeconds(60))).isTrue();
            assertThat(total.read("s4").orElseThrow().version()).isEqualTo(4);
            assertThat(delivered(server, "ops-other") - otherBefore).as("a replay reaches every subscriber")
                    .isEqualTo(46);

            OpsCommandsTest.Run snapshots = tally("verify-snapshots", "ops-counter", "--url", url);
            assertThat(snapshots.code()).as(snapshots.all()).isZero();
            assertThat(snapshots.out()).contains("0 mismatches");

            OpsCommandsTest.Run unknown = tally("rebuild", "nope", "--url", url);
            assertThat(unknown.err()).contains("no projection 'nope'; this server has [ops-total, ops-other]");
            OpsCommandsTest.Run archive = tally("archive", "ops-counter", "--idle-days", "3", "--url", url);
            assertThat(archive.code()).as(archive.all()).isZero();
            assertThat(archive.out()).contains("45 aggregates looked at, 0 archived").contains("active=45");
        }
    }
}
