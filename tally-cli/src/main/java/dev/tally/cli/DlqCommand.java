package dev.tally.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "dlq", mixinStandardHelpOptions = true,
        description = "Lists or redrives dead letters (messages a projector or the dispatcher could not handle)"
                + " of a running server.",
        footer = {"", "Examples:", "  tally dlq list", "  tally dlq redrive 6f1c...   one letter",
            "  tally dlq redrive --all"})
final class DlqCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ACTION", description = "list or redrive")
    String action;

    @Parameters(index = "1", paramLabel = "ID", arity = "0..1", description = "the dead letter to redrive")
    String id;

    @Option(names = "--all", description = "redrive every dead letter")
    boolean all;

    @Option(names = "--url", defaultValue = "http://127.0.0.1:8080", description = "the server (default: ${DEFAULT-VALUE})")
    String url;

    @Override
    public Integer call() {
        ApiClient api = new ApiClient(url, System.getenv("TALLY_TOKEN"));
        PrintWriter out = spec.commandLine().getOut();
        switch (action) {
            case "list" -> {
                JsonNode letters = api.get("/api/dead-letters").get("deadLetters");
                if (letters.isEmpty()) {
                    out.println("no dead letters");
                }
                for (JsonNode d : letters) {
                    JsonNode e = d.get("ref");
                    out.printf("%s  %-22s %s/%s@%d  %d attempt(s)  %s%n", d.get("id").asText(), d.get("target").asText(),
                            e.path("store").asText(), e.path("aggregateId").asText(), e.path("version").asLong(),
                            d.get("attempts").asInt(), d.get("error").asText());
                }
                return 0;
            }
            case "redrive" -> {
                if (all == (id != null)) {
                    throw new ParameterException(spec.commandLine(), "redrive needs either a dead letter ID or --all");
                }
                JsonNode r = all ? api.post("/api/dead-letters/redrive") : api.post("/api/dead-letters/" + id + "/redrive");
                out.println(all ? "redriven: " + r.get("redriven").asInt() + ", still failing: " + r.get("remaining").asInt()
                        : r.get("message").asText());
                return 0;
            }
            default -> throw new ParameterException(spec.commandLine(), "unknown action '" + action
                    + "': use 'list' or 'redrive'");
        }
    }
}
