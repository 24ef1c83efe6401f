package dev.tally.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Compares every view of a running server with the head of its aggregate in the ledger"
                + " (page by page) and lists the views that are behind. With --repair, sends the current"
                + " state-carrying message of each stale aggregate to that projection only, once.",
            "", "Exit code: 0 when every view is up to date (or was repaired), 3 when stale views remain."},
        footer = {"", "Examples:", "  tally verify", "  tally verify --repair",
            "  tally verify --url http://127.0.0.1:9090"})
final class VerifyCommand implements Callable<Integer> {
    static final int STALE = 3;

    @Spec
    CommandSpec spec;

    @Option(names = "--repair", description = "re-send the state of each stale aggregate to the projection behind")
    boolean repair;

    @Option(names = "--url", defaultValue = "http://127.0.0.1:8080", description = "the server (default: ${DEFAULT-VALUE})")
    String url;

    @Override
    public Integer call() {
        ApiClient api = new ApiClient(url, System.getenv("TALLY_TOKEN"));
        PrintWriter out = spec.commandLine().getOut();
        JsonNode r = api.post("/api/verify" + (repair ? "?repair=true" : ""));
        out.printf("checked %d aggregates, %d views in %d ms: %d stale%s%n", r.get("aggregates").asLong(),
                r.get("views").asLong(), r.get("tookMillis").asLong(), r.get("stale").asLong(),
                repair ? ", " + r.get("repaired").asLong() + " repair messages sent" : "");
        for (JsonNode s : r.get("staleViews")) {
            out.printf("  %-22s %-24s view v%d, ledger v%d%n", s.get("projection").asText(),
                    s.get("aggregateId").asText(), s.get("viewVersion").asLong(), s.get("ledgerVersion").asLong());
        }
        if (r.get("stale").asLong() > 0 && !repair) {
            out.println("run 'tally verify --repair' to bring them up to date");
        }
        return r.get("stale").asLong() == 0 || repair ? 0 : STALE;
    }
}
