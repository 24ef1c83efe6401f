package dev.tally.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's event-to-view lag chart in a real headless Chromium: after credits and an
 * increment, one chart per target (the bank's three projections and the counter's), each with a
 * line through the slots that had view writes and the latest lag in its caption.
 */
class DashboardLagIT {

    @Test
    void aLagChartPerTargetAfterTraffic() throws Exception {
        if (Boolean.getBoolean("tally.skipBrowser")) {
            System.out.println("browser test skipped: -Dtally.skipBrowser=true");
            return;
        }
        try (TallyProcess tally = TallyProcess.serve("--in-memory", "--port", "0");
             HeadlessChromium chromium = HeadlessChromium.start()) {
            chromium.navigate(tally.url());
            chromium.waitFor("document.getElementById('health').textContent === 'pipeline healthy'",
                    Duration.ofSeconds(30));
            assertThat(chromium.eval("document.getElementById('lag-charts').textContent").asText())
                    .contains("No view written yet");

            Http http = new Http(tally.url());
            for (String id : new String[] {"ann", "ben", "cat"}) {
                assertThat(http.post("/api/accounts/" + id + "/credit", "{\"amount\": 100}").status()).isEqualTo(200);
            }
            assertThat(http.post("/api/counters/visits/increment", "").status()).isEqualTo(200);

            String charts = "[...document.querySelectorAll('#lag-charts svg.lag-chart')]";
            chromium.waitFor(charts + ".map(s => s.dataset.projection).sort().join(',') === "
                    + "'balance,count,last-month-balance,last-transaction'", Duration.ofSeconds(30));
            // the bank's targets each drew at least one point with a lag, the counter's too
            chromium.waitFor(charts + ".every(s => s.querySelectorAll('circle.lag-dot').length >= 1)",
                    Duration.ofSeconds(30));
            String balance = "document.querySelector('#lag-charts figure[data-projection=\"balance\"]')";
            assertThat(chromium.eval(balance + ".querySelector('figcaption').textContent").asText())
                    .matches("balance now \\d+(\\.\\d)? m?s \\(peak \\d+(\\.\\d)? m?s\\)");
            assertThat(chromium.eval(balance + ".querySelector('polyline.lag-max').getAttribute('points')").asText())
                    .matches("[0-9.]+,[0-9.]+( [0-9.]+,[0-9.]+)*");
            // thirty slots of ten seconds: the chart says so in its title
            assertThat(chromium.eval(balance + ".querySelector('title').textContent").asText())
                    .contains("last 5 minutes");

            Path shot = Path.of("target", "dashboard-lag.png");
            chromium.screenshot(shot);
            assertThat(Files.size(shot)).isGreaterThan(10_000);
        }
    }
}
