package dev.tally.cli;

import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.snapshot.SnapshotVerifier;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "verify-snapshots", mixinStandardHelpOptions = true,
        description = {"Checks snapshots against the truth: for each aggregate of a store (or a random sample of N),"
                + " folds the ledger from version 1 to its newest snapshot's version and compares the states. A"
                + " mismatch means a corrupted snapshot or a reducer that changed without a new reducer version.",
            "", "Exit code: 0 when every snapshot checked matches, 3 when one does not."},
        footer = {"", "Examples:", "  tally verify-snapshots bank-account",
            "  tally verify-snapshots bank-account --sample 500 --seed 7",
            "  tally verify-snapshots counter --dynamodb-endpoint http://127.0.0.1:8000 --app counter.jar"})
final class VerifySnapshotsCommand implements Callable<Integer> {
    static final int MISMATCH = 3;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "STORE", description = "event store, e.g. bank-account")
    String store;

    @Option(names = "--sample", paramLabel = "N", description = "check N aggregates drawn at random (reservoir"
            + " sampling over the id listing) instead of all")
    Integer sample;

    @Option(names = "--seed", paramLabel = "S", description = "the sample's random seed, to draw the same sample again")
    Long seed;

    @Mixin
    ConnectionOptions connection;

    @Mixin
    OpsOptions ops;

    @Override
    public Integer call() throws Exception {
        ops.check();
        if (sample != null && sample < 1) {
            throw new IllegalArgumentException("--sample must be at least 1, got " + sample);
        }
        PrintWriter out = spec.commandLine().getOut();
        try (OpsBackend backend = connection.open(spec.commandLine())) {
            List<String> chosen = new ArrayList<>();
            long seen = 0;
            Random random = seed == null ? new Random() : new Random(seed);
            PageRequest request = PageRequest.first(ops.pageSize);
            int checked = 0;
            int without = 0;
            List<SnapshotVerifier.Result> mismatches = new ArrayList<>();
            while (true) {
                Page<String> page = backend.ids(store, request);
                if (sample == null) {
                    for (SnapshotVerifier.Result r : backend.verifySnapshots(store, page.items())) {
                        if (r.version() == 0) {
                            without++;
                        } else {
                            checked++;
                            if (!r.ok()) {
                                mismatches.add(r);
                            }
                        }
                    }
                } else {
                    for (String id : page.items()) {
                        seen++;
                        if (chosen.size() < sample) {
                            chosen.add(id);
                        } else {
                            long j = (long) (random.nextDouble() * seen);
                            if (j < sample) {
                                chosen.set((int) j, id);
                            }
                        }
                    }
                }
                if (page.isLast()) {
                    break;
                }
                request = request.next(page.nextCursor());
            }
            for (int i = 0; i < chosen.size(); i += ops.pageSize) {
                for (SnapshotVerifier.Result r : backend.verifySnapshots(store,
                        chosen.subList(i, Math.min(chosen.size(), i + ops.pageSize)))) {
                    if (r.version() == 0) {
                        without++;
                    } else {
                        checked++;
                        if (!r.ok()) {
                            mismatches.add(r);
                        }
                    }
                }
            }
            out.printf("%s: checked %d snapshots%s, %d aggregates without one: %d mismatches%n", store, checked,
                    sample == null ? "" : " in a sample of " + chosen.size() + " of " + seen + " aggregates", without,
                    mismatches.size());
            for (SnapshotVerifier.Result r : mismatches) {
                out.println("  " + r.message());
            }
            return mismatches.isEmpty() ? 0 : MISMATCH;
        }
    }
}
