package dev.tally.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The console in a real headless Chromium on the example apps: the bank is one app among the
 * others, with nothing of its own in the page; a credit through the form generated from
 * {@code Credit}'s schema shows its event and the balance view, an overdraft the rejection's code;
 * the bank's own panel (TallyApp.consolePanels) lists the account.
 * A screenshot is saved under target/.
 */
class DashboardIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void creditAndOverdraftThroughTheGeneratedForms() throws Exception {
        if (Boolean.getBoolean("tally.skipBrowser")) {
            System.out.println("browser test skipped: -Dtally.skipBrowser=true");
            return;
        }
        try (TallyProcess tally = TallyProcess.serve("--in-memory", "--port", "0");
             HeadlessChromium chromium = HeadlessChromium.start()) {
            chromium.navigate(tally.url());
            chromium.waitFor("document.getElementById('health').textContent === 'pipeline healthy'", WAIT);
            assertThat(chromium.eval("document.title").asText()).contains("Tally");
            chromium.waitFor("document.querySelector('.pick[data-name=\"bank-account\"]') !== null", WAIT);
            assertThat(chromium.eval("[...document.querySelectorAll('.app')].map(a => a.dataset.app).join(',')")
                    .asText()).isEqualTo("bank,counter");
            chromium.eval("document.querySelector('.pick[data-name=\"bank-account\"]').click()");
            chromium.waitFor("document.getElementById('command-Credit') !== null", WAIT);

            amount(chromium, "Credit", "carol", "1500");
            chromium.waitFor(result("Credit") + ".includes('carol is now at version 1')", WAIT);
            chromium.waitFor("document.querySelector('#timeline tr.event[data-type=Credited]') !== null", WAIT);
            chromium.waitFor("document.querySelector('.view[data-view=balance][data-version=\"1\"]') !== null", WAIT);
            assertThat(chromium.eval("document.querySelector('.view[data-view=balance] pre').textContent").asText())
                    .contains("1500");

            chromium.waitFor("[...document.querySelectorAll('.app-panel[data-path^=\"/api/accounts\"] td')]"
                    + ".some(td => td.textContent === 'carol')", WAIT);

            amount(chromium, "Debit", "carol", "999999");
            chromium.waitFor(result("Debit") + ".includes('insufficient_funds')", WAIT);
            assertThat(chromium.eval("document.querySelector('#command-Debit .result').className").asText())
                    .contains("error");
            assertThat(chromium.eval("document.querySelectorAll('#timeline tr.event').length").asInt())
                    .as("nothing was debited").isEqualTo(1);

            Path shot = Path.of("target", "dashboard.png");
            chromium.screenshot(shot);
            assertThat(Files.size(shot)).isGreaterThan(10_000);
        }
    }

    private static void amount(HeadlessChromium chromium, String command, String id, String amount) throws Exception {
        String form = "document.getElementById('command-" + command + "')";
        chromium.eval("document.getElementById('command-id').value = '" + id + "';"
                + form + ".querySelector('[data-path=amount]').value = '" + amount + "';"
                + form + ".querySelector('button[type=submit]').click();");
    }

    private static String result(String command) {
        return "document.querySelector('#command-" + command + " .result').textContent";
    }
}
