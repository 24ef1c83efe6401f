package dev.tally.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.ops.Rebuild;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The two shapes of progress: a bar redrawn in place on a terminal, plain periodic lines elsewhere. */
class ProgressPrinterTest {
    static Rebuild.Progress at(long done, long seconds, boolean finished) {
        return new Rebuild.Progress(done, 10_000, done, done * 100, 0, Duration.ofSeconds(seconds), finished);
    }

    @Test
    void onATerminalABarWithCountRateAndTimeLeftRedrawnInPlace() {
        StringWriter text = new StringWriter();
        long[] now = {0};
        ProgressPrinter p = new ProgressPrinter(new PrintWriter(text), ProgressPrinter.Mode.BAR, "rebuild balance",
                Duration.ofSeconds(5), () -> now[0]);
        p.update(at(2_500, 5, false));
        now[0] += 200_000_000L;
        p.update(at(5_000, 10, false));
        now[0] += 200_000_000L;
        p.update(at(10_000, 20, true));
        String out = text.toString();
        assertThat(out).startsWith("\rrebuild balance [#######-----------------------] 2,500/10,000  500/s  0:15 left");
        assertThat(out).contains("\rrebuild balance [###############---------------] 5,000/10,000  500/s  0:10 left");
        assertThat(out).endsWith("\rrebuild balance [##############################] 10,000/10,000  500/s  done   "
                + System.lineSeparator());
        assertThat(out.chars().filter(c -> c == '\n').count()).as("one line, redrawn").isEqualTo(1);
        assertThat(out.chars().filter(c -> c == '\r').count()).isEqualTo(3);
    }

    @Test
    void elsewherePlainLinesAtMostEveryIntervalAndAlwaysTheLast() {
        StringWriter text = new StringWriter();
        long[] now = {0};
        ProgressPrinter p = new ProgressPrinter(new PrintWriter(text), ProgressPrinter.Mode.LINES, "rebuild balance",
                Duration.ofSeconds(5), () -> now[0]);
        for (int i = 1; i <= 20; i++) {
            now[0] += 1_000_000_000L; // a page a second
            p.update(at(i * 500L, i, i == 20));
        }
        assertThat(text.toString()).doesNotContain("\r");
        assertThat(text.toString().lines()).containsExactly(
                "rebuild balance: 500/10000 aggregates (5%), 500 messages, 500 aggregates/s, about 0:19 left",
                "rebuild balance: 3000/10000 aggregates (30%), 3000 messages, 500 aggregates/s, about 0:14 left",
                "rebuild balance: 5500/10000 aggregates (55%), 5500 messages, 500 aggregates/s, about 0:09 left",
                "rebuild balance: 8000/10000 aggregates (80%), 8000 messages, 500 aggregates/s, about 0:04 left",
                "rebuild balance: 10000/10000 aggregates (100%), 10000 messages, 500 aggregates/s, done");
    }
}
