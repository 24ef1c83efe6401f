package dev.tally.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "events", mixinStandardHelpOptions = true,
        description = {"Prints events from a running server: the stream of one aggregate (STORE ID), oldest first,",
            "or the events of every store with a type, a correlation id or in a time range, in the order they",
            "happened."},
        footer = {"", "Examples:",
            "  tally events bank-account alice",
            "  tally events --correlation-id corr-o1",
            "  tally events --type Debited --since 2026-12-07T09:00:00Z --until 2026-12-07T10:00:00Z"})
final class EventsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "STORE", description = "event store, e.g. bank-account")
    String store;

    @Parameters(index = "1", arity = "0..1", paramLabel = "ID", description = "aggregate id, e.g. alice")
    String id;

    @Option(names = "--type", paramLabel = "TYPE", description = "events of this type, in any store")
    String type;

    @Option(names = "--correlation-id", paramLabel = "ID", description = "everything one request caused")
    String correlationId;

    @Option(names = "--since", paramLabel = "TIME", description = "at or after this ISO-8601 instant, e.g. 2026-12-07T09:00:00Z")
    String since;

    @Option(names = "--until", paramLabel = "TIME", description = "before this ISO-8601 instant")
    String until;

    @Option(names = "--limit", defaultValue = "100", description = "events per page (default: ${DEFAULT-VALUE}, at most 1000)")
    int limit;

    @Option(names = "--cursor", description = "the next page: the cursor printed after the previous one")
    String cursor;

    @Mixin
    ServerOption server;

    @Option(names = "--json", description = "print the raw JSON")
    boolean json;

    @Override
    public Integer call() {
        boolean filtered = type != null || correlationId != null || since != null || until != null;
        if (filtered == (store != null)) {
            throw new ParameterException(spec.commandLine(), filtered
                    ? "give either STORE ID (one aggregate's stream) or --type / --correlation-id / --since, not both"
                    : "say which events: STORE ID (e.g. bank-account alice), --type T, --correlation-id C or --since TIME");
        }
        if (store != null && id == null) {
            throw new ParameterException(spec.commandLine(), "STORE needs an ID too, e.g. tally events " + store
                    + " alice");
        }
        if (limit < 1 || limit > 1000) {
            throw new ParameterException(spec.commandLine(), "--limit must be 1-1000, got " + limit);
        }
        ApiClient api = server.api();
        return filtered ? across(api) : stream(api);
    }

    private int stream(ApiClient api) {
        JsonNode body = api.get("/api/stores/" + store + "/" + id + "/events");
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

    private int across(ApiClient api) {
        StringBuilder q = new StringBuilder("/api/events?limit=").append(limit);
        param(q, "type", type);
        param(q, "correlationId", correlationId);
        param(q, "since", instant("--since", since));
        param(q, "until", instant("--until", until));
        param(q, "cursor", cursor);
        JsonNode body = api.get(q.toString());
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(body.toPrettyString());
            return 0;
        }
        JsonNode events = body.get("events");
        if (events.isEmpty()) {
            out.println("no events match");
            return 0;
        }
        out.printf("%-30s %-40s %-24s %-20s %s%n", "TIMESTAMP", "EVENT", "TYPE", "CORRELATION", "PAYLOAD");
        for (JsonNode e : events) {
            out.printf("%-30s %-40s %-24s %-20s %s%n", e.get("timestamp").asText(), e.get("store").asText() + "/"
                    + e.get("aggregateId").asText() + "@" + e.get("version").asLong(), e.get("type").asText(),
                    e.path("metadata").path("correlationId").asText("-"), e.get("payload"));
        }
        if (body.hasNonNull("nextCursor")) {
            out.println("more events: add --cursor " + body.get("nextCursor").asText());
        }
        return 0;
    }

    private String instant(String option, String value) {
        if (value == null) {
            return null;
        }
        try {
            return Instant.parse(value).toString();
        } catch (DateTimeParseException e) {
            throw new ParameterException(spec.commandLine(), option + " must be an ISO-8601 instant in UTC, e.g. "
                    + option + " 2026-12-07T09:00:00Z, got '" + value + "'");
        }
    }

    private static void param(StringBuilder q, String name, String value) {
        if (value != null) {
            q.append('&').append(name).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
        }
    }
}
