package dev.tally.cli;

import dev.tally.core.runtime.ConvergenceCheck;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Compares every view with the head of its aggregate in the ledger (page by page) and lists the"
                + " views that are behind. With --repair, sends the current state-carrying message of each stale"
                + " aggregate to that projection only, once. Through a running server (--url, the default), or"
                + " directly on the tables (--region with --app JAR: a deployed app's tables, as 'tally aws template'"
                + " names them; --dynamodb-endpoint; --jdbc-url).",
            "", "Exit code: 0 when every view is up to date (or was repaired), 3 when stale views remain."},
        footer = {"", "Examples:", "  tally verify", "  tally verify --repair",
            "  tally verify --url http://127.0.0.1:9090",
            "  tally verify --region eu-west-1 --app target/shop-lambda.jar",
            "  tally verify --repair --region eu-west-1 --app target/shop-lambda.jar"})
final class VerifyCommand implements Callable<Integer> {
    static final int STALE = 3;

    @Spec
    CommandSpec spec;

    @Option(names = "--repair", description = "re-send the state of each stale aggregate to the projection behind")
    boolean repair;

    @Mixin
    ConnectionOptions connection;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        ConvergenceCheck.Report r;
        String where;
        try (OpsBackend backend = connection.open(spec.commandLine())) {
            r = backend.verify(repair);
            where = backend.describe();
        }
        out.printf("checked %d aggregates, %d views in %d ms (%s): %d stale%s%n", r.aggregates(), r.views(),
                r.took().toMillis(), where, r.staleCount(),
                repair ? ", " + r.repaired() + " repair messages sent" : "");
        for (ConvergenceCheck.Stale s : r.stale()) {
            out.printf("  %-22s %-24s view v%d, ledger v%d%n", s.projection(), s.aggregateId(), s.viewVersion(),
                    s.ledgerVersion());
        }
        if (r.staleCount() > 0 && !repair) {
            out.println("run 'tally verify --repair' (with the same options) to bring them up to date");
        }
        return r.staleCount() == 0 || repair ? 0 : STALE;
    }
}
