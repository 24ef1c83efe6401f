package dev.tally.cli;

import dev.tally.core.ops.RateLimit;
import dev.tally.core.ops.Rebuild;
import dev.tally.server.OpsRoutes;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Option;

/** The walk options the operations commands share: page size, rate and progress. */
final class OpsOptions {
    @Option(names = "--page-size", paramLabel = "N", defaultValue = "100", description = "aggregate ids a page"
            + " (1-1000, default: ${DEFAULT-VALUE}); a resumed rebuild sends at most one page again")
    int pageSize;

    @Option(names = "--rate", paramLabel = "N[/s]", description = "at most N aggregates a second (default: no limit)")
    String rate;

    @Option(names = "--progress", paramLabel = "MODE", defaultValue = "auto", description = "auto (a bar on a"
            + " terminal, plain lines otherwise), bar, lines or none (default: ${DEFAULT-VALUE})")
    String progress;

    @Option(names = "--every", paramLabel = "SECONDS", defaultValue = "5", description = "plain progress lines at most"
            + " this often (default: ${DEFAULT-VALUE}; 0 for one a page)")
    double every;

    Double ratePerSecond() {
        if (rate == null) {
            return null;
        }
        String r = rate.trim().toLowerCase();
        if (r.endsWith("/s")) {
            r = r.substring(0, r.length() - 2);
        }
        try {
            double v = Double.parseDouble(r);
            if (v > 0 && !Double.isInfinite(v)) {
                return v;
            }
        } catch (NumberFormatException e) {
            // the refusal below
        }
        throw new IllegalArgumentException("--rate is a positive number of aggregates a second, e.g. --rate 500 or"
                + " --rate 500/s; got '" + rate + "'");
    }

    void check() {
        if (pageSize < 1 || pageSize > OpsRoutes.MAX_IDS) {
            throw new IllegalArgumentException("--page-size must be 1-" + OpsRoutes.MAX_IDS + ", got " + pageSize);
        }
        if (!(every >= 0)) {
            throw new IllegalArgumentException("--every must be 0 or more seconds, got " + every);
        }
        ratePerSecond();
        ProgressPrinter.mode(progress);
    }

    Duration everyDuration() {
        return Duration.ofNanos((long) (every * 1e9));
    }

    /**
     * The walk rebuild, replay --all and archive share: the ids of a store a page at a time, each page
     * to {@code sender}, at the rate and with the progress these options ask for ({@code more} adds to
     * the walk, e.g. a checkpoint).
     */
    Rebuild.Result walk(PrintWriter out, String what, Rebuild.Ids ids, long total, Rebuild.Sender sender,
                        UnaryOperator<Rebuild.Builder> more) {
        ProgressPrinter printer = new ProgressPrinter(out, ProgressPrinter.mode(progress), what, everyDuration(),
                System::nanoTime);
        Double perSecond = ratePerSecond();
        try {
            return more.apply(Rebuild.builder(ids, sender).pageSize(pageSize)
                    .rate(perSecond == null ? null : RateLimit.perSecond(perSecond)).total(total)
                    .progress(printer::update)).build().run();
        } finally {
            printer.close();
        }
    }
}
