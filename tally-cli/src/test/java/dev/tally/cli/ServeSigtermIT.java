package dev.tally.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** SIGTERM, as a service manager sends it, stops tally serve cleanly and the process exits 0, not 143. */
class ServeSigtermIT {

    @Test
    void aCleanStopOnSigtermExitsZero() throws Exception {
        try (TallyProcess tally = TallyProcess.serve("--in-memory", "--port", "0")) {
            assertThat(new Http(tally.url()).get("/api/stores").status()).isEqualTo(200);
            int exit = tally.terminate();
            assertThat(exit).as(String.join("\n", tally.output())).isZero();
            assertThat(tally.output()).contains("stopping Tally...", "stopped");
        }
    }
}
