package dev.tally.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.server.DataDirectoryLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** One server per data directory, and a crashed server's leftover lock file blocks nobody. */
class DataDirectoryLockIT {

    @Test
    void aSecondServeOnTheSameDataExitsNamingTheFirstAndAStaleLockFileBlocksNothing() throws Exception {
        Path data = Path.of("target", "it-data-" + UUID.randomUUID());
        try (TallyProcess first = TallyProcess.serveOn(data)) {
            Http http = new Http(first.url());
            assertThat(http.post("/api/accounts/locked/credit", "{\"amount\": 5}").status()).isEqualTo(200);

            TallyProcess.Finished second = TallyProcess.run(Map.of(), serveArgs(data));

            assertThat(second.exitCode()).as(second.output()).isNotZero();
            assertThat(second.output()).contains("in use by another tally serve")
                    .contains("pid " + first.pid())
                    .contains(first.url().toString());
            assertThat(first.isAlive()).isTrue();
            assertThat(http.get("/api/accounts/locked/events").status()).as("the first keeps serving").isEqualTo(200);
            assertThat(http.post("/api/accounts/locked/credit", "{\"amount\": 6}").status()).isEqualTo(200);

            assertThat(first.kill()).isEqualTo(137);
        }
        Path lockFile = data.resolve(DataDirectoryLock.FILE_NAME);
        assertThat(lockFile).as("a kill -9 leaves the lock file behind").exists();

        try (TallyProcess third = TallyProcess.serveOn(data)) {
            Http http = new Http(third.url());
            assertThat(http.get("/api/accounts/locked/events").json().get("events")).hasSize(2);
            assertThat(Files.readString(lockFile, StandardCharsets.UTF_8)).contains("pid=" + third.pid())
                    .contains("url=" + third.url());
        }
    }

    private static String[] serveArgs(Path data) {
        List<String> args = new ArrayList<>(List.of("serve", "--data", data.toString(), "--port", "0"));
        args.addAll(TallyProcess.exampleApps());
        return args.toArray(new String[0]);
    }
}
