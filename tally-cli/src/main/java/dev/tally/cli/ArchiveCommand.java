package dev.tally.cli;

import dev.tally.core.ops.Rebuild;
import java.io.PrintWriter;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "archive", mixinStandardHelpOptions = true,
        description = {"Moves the history of aggregates untouched for N days to an archive (S3: one compressed object"
                + " per stream; or a local directory), leaving a snapshot and the archive marker"
                + " (tally.StreamArchived) in the ledger: loads and appends go on at the right versions, and reads of"
                + " archived history (events, loadAt, rebuild) fetch it transparently when given the same archive."
                + " Works on the backend directly (with --archive-dir or --archive-s3) or through a running server"
                + " (--url: into the server's archive, archive/ in its --data directory); run it again to finish"
                + " what a killed run left.", ""},
        footer = {"", "Examples:",
            "  tally archive bank-account --idle-days 365 --region eu-west-1 --archive-s3 s3://acme-ledger-archive/bank"
                    + " --app bank.jar",
            "  tally archive counter --idle-days 30 --dynamodb-endpoint http://127.0.0.1:8000 --archive-dir"
                    + " tally-data/archive --app counter.jar",
            "  tally archive bank-account --idle-days 365 --jdbc-url 'jdbc:postgresql://127.0.0.1/bank?user=bank'"
                    + " --archive-dir /srv/tally-archive --app bank.jar",
            "  tally archive counter --idle-days 30 --url http://127.0.0.1:8080"})
final class ArchiveCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "STORE", description = "event store, e.g. bank-account")
    String store;

    @Option(names = "--idle-days", paramLabel = "N", required = true, description = "archive aggregates whose last"
            + " event is at least N days old (N >= 1)")
    int idleDays;

    @Mixin
    ConnectionOptions connection;

    @Mixin
    OpsOptions ops;

    @Override
    public Integer call() throws Exception {
        ops.check();
        if (idleDays < 1) {
            throw new IllegalArgumentException("--idle-days must be at least 1 (a writer trusts a version it saw for up"
                    + " to an hour), got " + idleDays);
        }
        PrintWriter out = spec.commandLine().getOut();
        try (OpsBackend backend = connection.open(spec.commandLine())) {
            Rebuild.Ids ids = request -> backend.ids(store, request);
            long total = Rebuild.count(ids, ops.pageSize, n -> { });
            Map<String, Long> kinds = new TreeMap<>();
            long[] archivedEvents = {0};
            Rebuild.Result r = ops.walk(out, "archive " + store, ids, total, batch -> {
                int moved = 0;
                long events = 0;
                for (OpsBackend.ArchiveOutcome o : backend.archive(store, batch, idleDays)) {
                    kinds.merge(o.note(), 1L, Long::sum);
                    if (o.note().equals("archived")) {
                        moved++;
                        events += o.archivedThrough();
                    }
                }
                archivedEvents[0] += events;
                return new Rebuild.Sent(moved, events);
            }, b -> b);
            double seconds = Math.max(1e-9, r.took().toNanos() / 1e9);
            out.printf(java.util.Locale.ROOT, "archive %s: %d aggregates looked at, %d archived (%d events moved) in"
                            + " %.1f s: %.0f events/s; %s%n", store, r.aggregates(), r.messages(), archivedEvents[0],
                    seconds, archivedEvents[0] / seconds, kinds);
            return 0;
        }
    }
}
