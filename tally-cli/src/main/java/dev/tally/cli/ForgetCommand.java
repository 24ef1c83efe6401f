package dev.tally.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "forget", mixinStandardHelpOptions = true,
        description = {"Forgets the personal data of one aggregate on a running server: destroys the data keys of"
                + " every subject its events hold sealed values of, and appends the audit event"
                + " tally.PersonalDataForgotten (its views are refreshed). The sealed values stay in the ledger, the"
                + " snapshots, the views and the dead letters, unreadable for good; balances and other clear fields"
                + " are untouched. See docs/privacy.md for what survives (backups, free pages).", ""},
        footer = {"", "Example:  tally forget bank-account alice"})
final class ForgetCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "STORE", description = "event store, e.g. bank-account")
    String store;

    @Parameters(index = "1", paramLabel = "ID", description = "aggregate id, e.g. alice")
    String id;

    @Option(names = "--url", defaultValue = "http://127.0.0.1:8080", description = "the server (default: ${DEFAULT-VALUE})")
    String url;

    @Override
    public Integer call() {
        JsonNode r = new ApiClient(url, System.getenv("TALLY_TOKEN")).post("/api/forget/" + store + "/" + id);
        spec.commandLine().getOut().println("forgot the personal data of " + store + "/" + id + " (audit event at"
                + " version " + r.path("version").asLong() + ")");
        return 0;
    }
}
