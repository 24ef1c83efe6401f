package dev.tally.cli;

import dev.tally.core.ops.Rebuild;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Progress of a long walk: on a terminal one line redrawn in place, a bar with the count, the rate
 * and the time left; anywhere else (a pipe, a log file, CI) plain lines, one every {@code every}
 * (and always the last), so a log shows how far it got without carriage returns.
 */
final class ProgressPrinter {
    enum Mode { BAR, LINES, NONE }

    private static final int WIDTH = 30;
    private final PrintWriter out;
    private final Mode mode;
    private final String what;
    private final long everyNanos;
    private final LongSupplier nanoTime;
    private long lastPrinted = Long.MIN_VALUE;
    private boolean barOpen;

    ProgressPrinter(PrintWriter out, Mode mode, String what, Duration every, LongSupplier nanoTime) {
        this.out = out;
        this.mode = mode;
        this.what = what;
        this.everyNanos = every.toNanos();
        this.nanoTime = nanoTime;
    }

    /** "auto": a bar when both ends of the output are a terminal, lines otherwise. */
    static Mode mode(String option) {
        return switch (option) {
            case "auto" -> System.console() != null ? Mode.BAR : Mode.LINES;
            case "bar" -> Mode.BAR;
            case "lines" -> Mode.LINES;
            case "none" -> Mode.NONE;
            default -> throw new IllegalArgumentException("--progress is auto, bar, lines or none; got '" + option + "'");
        };
    }

    void update(Rebuild.Progress p) {
        if (mode == Mode.NONE) {
            return;
        }
        long now = nanoTime.getAsLong();
        long every = mode == Mode.BAR ? Math.min(everyNanos, 100_000_000L) : everyNanos;
        if (!p.finished() && lastPrinted != Long.MIN_VALUE && now - lastPrinted < every) {
            return;
        }
        lastPrinted = now;
        if (mode == Mode.BAR) {
            out.print("\r" + bar(p));
            barOpen = true;
            if (p.finished()) {
                out.println();
                barOpen = false;
            }
        } else {
            out.println(line(p));
        }
        out.flush();
    }

    /** Ends a bar line left open (by an error), so what follows starts on its own line. */
    void close() {
        if (barOpen) {
            out.println();
            out.flush();
            barOpen = false;
        }
    }

    String bar(Rebuild.Progress p) {
        int filled = p.total() > 0 ? (int) Math.min(WIDTH, p.aggregates() * WIDTH / p.total()) : 0;
        return String.format(Locale.ROOT, "%s [%s%s] %,d/%s  %,.0f/s  %s", what, "#".repeat(filled),
                "-".repeat(WIDTH - filled), p.aggregates(), p.total() < 0 ? "?" : String.format(Locale.ROOT, "%,d",
                        p.total()), p.perSecond(), p.finished() ? "done   " : left(p) + " left");
    }

    String line(Rebuild.Progress p) {
        String share = p.total() > 0 ? String.format(Locale.ROOT, " (%d%%)", p.aggregates() * 100 / p.total()) : "";
        return String.format(Locale.ROOT, "%s: %d/%s aggregates%s, %d messages, %.0f aggregates/s, %s", what,
                p.aggregates(), p.total() < 0 ? "?" : Long.toString(p.total()), share, p.messages(), p.perSecond(),
                p.finished() ? "done" : "about " + left(p) + " left");
    }

    private static String left(Rebuild.Progress p) {
        return p.left().map(ProgressPrinter::clock).orElse("?");
    }

    static String clock(Duration d) {
        long s = d.toSeconds();
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
