package dev.tally.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "forget", mixinStandardHelpOptions = true,
        description = {"Forgets the personal data of one aggregate: destroys the data keys of"
                + " every subject its events hold sealed values of, and appends the audit event"
                + " tally.PersonalDataForgotten (its views are refreshed). The sealed values stay in the ledger, the"
                + " snapshots, the views and the dead letters, unreadable for good; balances and other clear fields"
                + " are untouched. See docs/privacy.md for what survives (backups, free pages).",
            "",
            "Through a running server (--url, the default), or directly on a deployed app's tables (--region with"
                + " --app JAR: the tables are the app's, as 'tally aws template' names them; no KMS permission is"
                + " needed, only the data-keys and ledger tables').", ""},
        footer = {"", "Examples:",
            "  tally forget bank-account alice",
            "  tally forget bank-account alice --region eu-west-1 --app target/bank-lambda.jar"})
final class ForgetCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "STORE", description = "event store, e.g. bank-account")
    String store;

    @Parameters(index = "1", paramLabel = "ID", description = "aggregate id, e.g. alice")
    String id;

    @Mixin
    ConnectionOptions connection;

    @Override
    public Integer call() {
        try (OpsBackend backend = connection.open(spec.commandLine())) {
            long version = backend.forget(store, id);
            spec.commandLine().getOut().println("forgot the personal data of " + store + "/" + id + " (audit event at"
                    + " version " + version + ", " + backend.describe() + ")");
        }
        return 0;
    }
}
