package dev.tally.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "aggregate", mixinStandardHelpOptions = true,
        description = "Prints an aggregate's state, now or as of a version, folded from the ledger of a running"
                + " server.",
        footer = {"", "Examples:", "  tally aggregate bank-account alice", "  tally aggregate bank-account alice --at-version 3"})
final class AggregateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "STORE", description = "event store, e.g. bank-account or counter")
    String store;

    @Parameters(index = "1", paramLabel = "ID", description = "aggregate id, e.g. alice")
    String id;

    @Option(names = "--at-version", paramLabel = "N", description = "the state right after event N")
    Long atVersion;

    @Mixin
    ServerOption server;

    @Override
    public Integer call() {
        if (atVersion != null && atVersion < 1) {
            throw new ParameterException(spec.commandLine(), "--at-version must be >= 1, got " + atVersion);
        }
        JsonNode body = server.api().get("/api/stores/" + store + "/" + id + "/aggregate"
                + (atVersion == null ? "" : "?atVersion=" + atVersion));
        PrintWriter out = spec.commandLine().getOut();
        out.println(store + "/" + id + " at version " + body.get("version").asLong() + ":");
        out.println(body.get("state").toPrettyString());
        return 0;
    }
}
