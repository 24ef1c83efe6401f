package dev.tally.cli;

import dev.tally.core.ops.Rebuild;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Appends the replay event (tally.ReplayRequested) to one aggregate, or to every aggregate of a"
                + " store with --all: the state stays as it is, the version moves on, and every subscriber (each"
                + " projection, saga and target) receives the current state again. To fill one projection only, use"
                + " 'tally rebuild'.", ""},
        footer = {"", "Examples:", "  tally replay bank-account alice", "  tally replay bank-account --all --rate 100",
            "  tally replay counter --all --dynamodb-endpoint http://127.0.0.1:8000 --app counter.jar"})
final class ReplayCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "STORE", description = "event store, e.g. bank-account")
    String store;

    @Parameters(index = "1", paramLabel = "ID", arity = "0..1", description = "the aggregate id (or --all)")
    String id;

    @Option(names = "--all", description = "every aggregate of the store, a page at a time")
    boolean all;

    @Mixin
    ConnectionOptions connection;

    @Mixin
    OpsOptions ops;

    @Override
    public Integer call() throws Exception {
        if (all == (id != null)) {
            throw new ParameterException(spec.commandLine(), "name one aggregate (tally replay " + store + " ID) or"
                    + " pass --all, not both");
        }
        ops.check();
        PrintWriter out = spec.commandLine().getOut();
        try (OpsBackend backend = connection.open(spec.commandLine())) {
            if (!all) {
                long v = backend.replay(store, id);
                if (v == 0) {
                    out.printf("%s/%s has no events: nothing to replay (check the store and the id)%n", store, id);
                    return 1;
                }
                out.printf("replayed %s/%s: the replay event is v%d; every subscriber receives its current state%n",
                        store, id, v);
                return 0;
            }
            Rebuild.Ids ids = request -> backend.ids(store, request);
            long total = Rebuild.count(ids, ops.pageSize, n -> { });
            // the same walk as a rebuild; each "message" is a replay event every subscriber hears of
            Rebuild.Result r = ops.walk(out, "replay " + store, ids, total, batch -> {
                int replayed = 0;
                for (String aggregate : batch) {
                    replayed += backend.replay(store, aggregate) > 0 ? 1 : 0;
                }
                return new Rebuild.Sent(replayed, 0);
            }, b -> b);
            out.printf("replayed %d aggregates of %s: %d replay events appended%n", r.aggregates(), store, r.messages());
            return 0;
        }
    }
}
