package dev.tally.cli;

import dev.tally.core.ops.Rebuild;
import dev.tally.core.ops.RebuildCheckpointFile;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "rebuild", mixinStandardHelpOptions = true,
        description = {"Fills one projection from history: walks the aggregate ids of its store a page at a time and"
                + " sends exactly one state-carrying message per aggregate (its current state) to that projection"
                + " only; other subscribers receive nothing. Its place is saved after every page: killed, it resumes"
                + " there (sending at most one page again), which is harmless since a view is written only when the"
                + " message is newer. A changed projection whose views are as new as the ledger keeps them: wipe them"
                + " first.", ""},
        footer = {"", "Examples:",
            "  tally rebuild balance                                   through the server at " + ConnectionOptions.DEFAULT_URL,
            "  tally rebuild balance --rate 200 --dry-run              count what it would send",
            "  tally rebuild balance --dynamodb-endpoint http://127.0.0.1:8000 --app bank.jar",
            "  tally rebuild balance --region eu-west-1 --ledger-table prod-ledger --view-table prod-balance --app bank.jar"})
final class RebuildCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PROJECTION", description = "the projection to fill, e.g. balance")
    String projection;

    @Mixin
    ConnectionOptions connection;

    @Mixin
    OpsOptions ops;

    @Option(names = "--dry-run", description = "count the aggregates (= the messages it would send); send nothing")
    boolean dryRun;

    @Option(names = "--checkpoint", paramLabel = "FILE", description = "where the rebuild keeps its place (default:"
            + " tally-rebuild-PROJECTION.json in the current directory)")
    Path checkpoint;

    @Option(names = "--restart", description = "ignore a saved place and start from the first aggregate")
    boolean restart;

    @Override
    public Integer call() throws Exception {
        ops.check();
        PrintWriter out = spec.commandLine().getOut();
        try (OpsBackend backend = connection.open(spec.commandLine())) {
            String store = backend.storeOf(projection);
            Rebuild.Ids ids = request -> backend.ids(store, request);
            long total = Rebuild.count(ids, ops.pageSize, n -> { });
            if (dryRun) {
                out.printf("dry run: rebuilding %s would send %d messages, one per aggregate of %s (%s); nothing was"
                        + " sent%n", projection, total, store, backend.describe());
                return 0;
            }
            Path file = checkpoint != null ? checkpoint : Path.of("tally-rebuild-" + projection + ".json");
            RebuildCheckpointFile place = new RebuildCheckpointFile(file, "rebuild " + projection + " on "
                    + backend.describe());
            if (restart) {
                Files.deleteIfExists(file);
            }
            Rebuild.Position before = place.load().orElse(Rebuild.Position.START);
            place.load().ifPresent(p -> out.printf("resuming after %d aggregates (saved in %s; --restart to start"
                    + " over)%n", p.aggregates(), file));
            out.printf("rebuilding %s from %d aggregates of %s (%s)%n", projection, total, store, backend.describe());
            out.flush();
            Rebuild.Result r = ops.walk(out, "rebuild " + projection, ids, total,
                    batch -> backend.resend(projection, batch), b -> b.checkpoint(place));
            double seconds = Math.max(1e-9, r.took().toNanos() / 1e9);
            long messages = r.messages() - before.messages();
            long events = r.events() - before.events();
            out.printf(Locale.ROOT, "rebuilt %s: %d aggregates; this run sent %d messages covering %d events in %.1f s:"
                            + " %.0f aggregates/s, %.0f events/s%n", projection, r.aggregates(), messages, events, seconds,
                    (r.aggregates() - r.resumedAfter()) / seconds, events / seconds);
            return 0;
        }
    }
}
