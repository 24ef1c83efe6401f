package dev.tally.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.query.TraceText;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "trace", mixinStandardHelpOptions = true,
        description = {"Prints what one request caused, from a running server: the command, its events, the saga",
            "steps they triggered, the commands those sent (accepted or rejected), their events and timers, as a",
            "tree in the order things happened; each line: store/id@version type, time, outcome."},
        footer = {"", "Example:  tally trace corr-o1   (the X-Correlation-Id of the request; its response carries it)"})
final class TraceCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CORRELATION_ID", description = "the request's correlation id")
    String correlationId;

    @Mixin
    ServerOption server;

    @Option(names = "--json", description = "print the raw JSON")
    boolean json;

    @Override
    public Integer call() {
        JsonNode body = server.api()
                .get("/api/trace/" + URLEncoder.encode(correlationId, StandardCharsets.UTF_8).replace("+", "%20"));
        PrintWriter out = spec.commandLine().getOut();
        out.print(json ? body.toPrettyString() + "\n" : TraceText.render(TraceText.fromJson(body)));
        out.flush();
        return 0;
    }
}
