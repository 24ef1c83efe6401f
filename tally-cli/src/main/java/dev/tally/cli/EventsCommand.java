package dev.tally.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "events", mixinStandardHelpOptions = true,
        description = "Prints the ledger stream of one aggregate, oldest first, from a running server.",
        footer = {"", "Example:  tally events bank-account alice"})
final class EventsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "STORE", description = "event store, e.g. bank-account or counter")
    String store;

    @Parameters(index = "1", paramLabel = "ID", description = "aggregate id, e.g. alice")
    String id;

    @Option(names = "--url", defaultValue = "http://127.0.0.1:8080", description = "the server (default: ${DEFAULT-VALUE})")
    String url;

    @Option(names = "--json", description = "print the raw JSON")
    boolean json;

    @Override
    public Integer call() {
        JsonNode body = new ApiClient(url, System.getenv("TALLY_TOKEN")).get("/api/stores/" + store + "/" + id + "/events");
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(body.toPrettyString());
            return 0;
        }
        JsonNode events = body.get("events");
        if (events.isEmpty()) {
            out.println(store + "/" + id + " has no events");
            return 0;
        }
        out.printf("%-8s %-26s %-26s %s%n", "VERSION", "TYPE", "TIMESTAMP", "PAYLOAD");
        for (JsonNode e : events) {
            out.printf("%-8d %-26s %-26s %s%n", e.get("version").asLong(), e.get("type").asText(),
                    e.get("timestamp").asText(), e.get("payload"));
        }
        return 0;
    }
}
