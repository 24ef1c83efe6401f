package dev.tally.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operations commands from the packaged jar against 'tally serve' with the examples, as a user
 * runs them: output to a pipe, so progress comes as plain lines (auto mode), never a bar.
 */
class OpsIT {
    @TempDir
    Path dir;

    @Test
    void rebuildReplayAndVerifySnapshotsFromTheJar() throws Exception {
        try (TallyProcess tally = TallyProcess.serve("--in-memory", "--port", "0")) {
            Http http = new Http(tally.url());
            for (int i = 0; i < 12; i++) {
                http.post("/api/accounts/ops" + i + "/credit", "{\"amount\": " + (100 + i) + "}");
            }
            String url = tally.url().toString();

            TallyProcess.Finished help = TallyProcess.run(Map.of(), "rebuild", "--help");
            assertThat(help.output()).contains("--rate").contains("--dry-run").contains("--dynamodb-endpoint")
                    .contains("--checkpoint");

            TallyProcess.Finished dry = TallyProcess.run(Map.of(), "rebuild", "balance", "--url", url, "--dry-run");
            assertThat(dry.exitCode()).as(dry.output()).isZero();
            assertThat(dry.output()).contains("would send 12 messages, one per aggregate of bank-account");

            Path place = dir.resolve("place.json");
            TallyProcess.Finished rebuild = TallyProcess.run(Map.of(), "rebuild", "balance", "--url", url,
                    "--page-size", "5", "--every", "0", "--checkpoint", place.toString());
            assertThat(rebuild.exitCode()).as(rebuild.output()).isZero();
            assertThat(rebuild.output()).doesNotContain("\r")
                    .contains("rebuild balance: 5/12 aggregates (41%), 5 messages")
                    .contains("rebuild balance: 12/12 aggregates (100%), 12 messages")
                    .contains("rebuilt balance: 12 aggregates; this run sent 12 messages covering 12 events");
            assertThat(Files.exists(place)).isFalse();

            TallyProcess.Finished replay = TallyProcess.run(Map.of(), "replay", "bank-account", "--all", "--url", url);
            assertThat(replay.exitCode()).as(replay.output()).isZero();
            assertThat(replay.output()).contains("replayed 12 aggregates of bank-account: 12 replay events appended");

            TallyProcess.Finished snapshots = TallyProcess.run(Map.of(), "verify-snapshots", "bank-account", "--url",
                    url);
            assertThat(snapshots.exitCode()).as(snapshots.output()).isZero();
            assertThat(snapshots.output()).contains("0 mismatches");

            TallyProcess.Finished unknown = TallyProcess.run(Map.of(), "rebuild", "nope", "--url", url);
            assertThat(unknown.exitCode()).isNotZero();
            assertThat(unknown.output()).contains("no projection 'nope'");
        }
    }
}
