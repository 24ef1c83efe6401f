package dev.tally.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The dashboard in a real headless Chromium: it loads, a credit through the form shows the new
 * balance, an overdraft shows the error, and a screenshot is saved under target/.
 */
class DashboardIT {

    @Test
    void creditAndOverdraftThroughTheForm() throws Exception {
        if (Boolean.getBoolean("tally.skipBrowser")) {
            System.out.println("browser test skipped: -Dtally.skipBrowser=true");
            return;
        }
        try (TallyProcess tally = TallyProcess.serve("--in-memory", "--port", "0");
             HeadlessChromium chromium = HeadlessChromium.start()) {
            chromium.navigate(tally.url());
            chromium.waitFor("document.getElementById('health').textContent === 'pipeline healthy'",
                    Duration.ofSeconds(30));
            assertThat(chromium.eval("document.title").asText()).contains("Tally");

            chromium.eval("document.getElementById('account').value = 'carol';"
                    + "document.getElementById('amount').value = '1500';"
                    + "document.getElementById('credit').click();");
            chromium.waitFor("document.getElementById('money-result').textContent.includes('Credited 15.00')",
                    Duration.ofSeconds(30));
            chromium.waitFor("[...document.querySelectorAll('#accounts-table tr.row')].some(r =>"
                    + " r.dataset.id === 'carol' && r.querySelector('.balance').textContent === '15.00')",
                    Duration.ofSeconds(30));
            chromium.waitFor("document.getElementById('rm-balance').textContent === '15.00'", Duration.ofSeconds(30));

            chromium.eval("document.getElementById('amount').value = '999999';"
                    + "document.getElementById('debit').click();");
            chromium.waitFor("document.getElementById('money-result').textContent.includes('insufficient funds')",
                    Duration.ofSeconds(30));
            assertThat(chromium.eval("document.getElementById('money-result').className").asText()).contains("error");
            assertThat(chromium.eval("document.getElementById('rm-balance').textContent").asText())
                    .as("nothing was debited").isEqualTo("15.00");

            Path shot = Path.of("target", "dashboard.png");
            chromium.screenshot(shot);
            assertThat(Files.size(shot)).isGreaterThan(10_000);
        }
    }
}
