package dev.tally.bench.privacy;

import static dev.tally.bench.Measurements.format;
import static dev.tally.bench.Measurements.say;

import dev.tally.bench.Args;
import dev.tally.core.AggregateDefinition;
import dev.tally.core.EventStore;
import dev.tally.core.privacy.LocalMasterKey;
import dev.tally.core.privacy.PersonalData;
import dev.tally.core.privacy.SubjectKeys;
import dev.tally.dynamodb.DynamoDbLedger;
import dev.tally.dynamodb.DynamoDbTables;
import dev.tally.dynamodb.DynamoDbWrappedKeyStore;
import dev.tally.dynamodb.TableDefinitions;
import dev.tally.examples.bank.Account;
import dev.tally.examples.bank.AccountCommand;
import dev.tally.examples.bank.AccountEvent;
import dev.tally.examples.bank.BankAccount;
import dev.tally.examples.bank.Credited;
import dev.tally.examples.bank.HolderChanged;
import dev.tally.local.LocalDynamoDb;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.IntConsumer;
import java.util.function.LongSupplier;

/**
 * The cost of personal fields: the bank's {@code HolderChanged} events appended and loaded with their
 * name and email sealed (the bank's definition) against the very same events with nothing declared
 * personal (a copy of the definition), each side in a ledger table of its own on one DynamoDB Local
 * (same store name, same aggregate ids), in one run, rounds interleaved and the side that goes first
 * alternating.
 *
 * <pre>
 * java -cp bench/target/tally-bench.jar dev.tally.bench.privacy.PersonalDataBenchmark \
 *      [--rounds 7] [--count 1000] [--events 2000] [--loads 10] [--parts append,new,load,record]
 * </pre>
 *
 * Parts: appends on one aggregate (the subject's key made once, then cached); appends that each open
 * a new subject (a data key made and stored per append: one more PutItem on the key table); loads
 * of a stream of {@code events} events (half of them with personal fields), aggregate cache off.
 */
public final class PersonalDataBenchmark {
    static final AggregateDefinition<Account> CLEAR = AggregateDefinition.builder(BankAccount.STORE, Account.class,
            AccountCommand.class, AccountEvent.class, BankAccount.DECIDER).reducerVersion(2).build();

    private final EventStore<Account> sealed;
    private final EventStore<Account> clear;
    private int counter;
    private int sealedRuns;
    private int clearRuns;

    private PersonalDataBenchmark(LocalDynamoDb db) {
        // one ledger table per side, same store name and aggregate ids: the items differ only in the sealed fields
        DynamoDbTables.createIfMissing(db.client(), TableDefinitions.ledger("bench-ledger-sealed"));
        DynamoDbTables.createIfMissing(db.client(), TableDefinitions.ledger("bench-ledger-clear"));
        PersonalData personal = new PersonalData(SubjectKeys.builder(LocalMasterKey.generate(),
                DynamoDbWrappedKeyStore.createIfMissing(db.client(), "bench-data-keys")).build());
        this.sealed = EventStore.builder(BankAccount.DEFINITION, new DynamoDbLedger(db.client(), "bench-ledger-sealed"))
                .personalData(personal).cache(0).build();
        this.clear = EventStore.builder(CLEAR, new DynamoDbLedger(db.client(), "bench-ledger-clear")).cache(0).build();
    }

    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        int rounds = args.integer("rounds", 7);
        int count = args.integer("count", 1000);
        int events = args.integer("events", 2000);
        int loads = args.integer("loads", 10);
        say("starting DynamoDB Local (in memory)...");
        try (LocalDynamoDb db = LocalDynamoDb.inMemory()) {
            PersonalDataBenchmark b = new PersonalDataBenchmark(db);
            java.util.Set<String> parts = args.set("parts", "append,new,load,record");
            if (parts.contains("append")) {
                b.appendsOnOneAggregate(rounds, count);
            }
            if (parts.contains("new")) {
                b.appendsOfNewSubjects(rounds, count);
            }
            if (parts.contains("load")) {
                b.loads(rounds, events, loads);
            }
            if (parts.contains("record")) {
                b.records(rounds, count * 100);
            }
        }
        System.exit(0); // DynamoDB Local leaves non-daemon threads behind
    }

    private static HolderChanged holder(int i) {
        return new HolderChanged("Holder Number " + i, "holder" + i + "@example.org");
    }

    private void appendsOnOneAggregate(int rounds, int count) {
        say("\n## appends of HolderChanged on one aggregate (" + rounds + " rounds x " + count + " each side)");
        compare(rounds, count, store -> {
            String id = "one-" + (store == sealed ? ++sealedRuns : ++clearRuns);
            long[] v = {0};
            return i -> store.append(id, v[0]++, holder(i));
        });
    }

    private void appendsOfNewSubjects(int rounds, int count) {
        say("\n## appends of HolderChanged, each opening a new aggregate = a new subject (" + rounds + " rounds x "
                + count + " each side)");
        compare(rounds, count, store -> {
            String prefix = "new-" + (store == sealed ? ++sealedRuns : ++clearRuns) + "-";
            return i -> store.append(prefix + i, 0, holder(i));
        });
    }

    private void compare(int rounds, int count, java.util.function.Function<EventStore<Account>, IntConsumer> side) {
        for (int w = 0; w < 2; w++) { // warm-up
            run(side.apply(clear), count);
            run(side.apply(sealed), count);
        }
        double[] c = new double[rounds];
        double[] s = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            if (r % 2 == 0) {
                c[r] = run(side.apply(clear), count);
                s[r] = run(side.apply(sealed), count);
            } else {
                s[r] = run(side.apply(sealed), count);
                c[r] = run(side.apply(clear), count);
            }
            say("round " + (r + 1) + ": clear " + format(c[r]) + "/s, sealed " + format(s[r]) + "/s, sealed/clear "
                    + ratio(s[r] / c[r]));
        }
        say("RESULT: clear median " + format(median(c)) + "/s, sealed median " + format(median(s))
                + "/s; sealed/clear median of paired round ratios " + ratio(medianRatio(s, c)));
    }

    /**
     * The CPU side alone, no I/O: {@code EventStore.record} (the stored form of an event: JSON, and for
     * the sealed side AES-GCM of two fields with the subject's cached key) and a fold of the records.
     */
    private void records(int rounds, int count) {
        say("\n## EventStore.record of HolderChanged, no I/O (" + rounds + " rounds x " + count + " each side)");
        String id = "record-" + (++counter);
        sealed.append(id, 0, holder(0)); // the subject's key exists and is cached
        compare(rounds, count, store -> i -> store.record(id, i + 1, holder(i), dev.tally.core.EventMetadata.empty()));
    }

    private void loads(int rounds, int events, int loads) {
        say("\n## load of a " + events + "-event stream (HolderChanged and Credited alternating), cache off ("
                + rounds + " rounds x " + loads + " loads each side)");
        String id = "load-" + (++counter);
        for (int i = 0; i < events; i += 2) { // the two streams are written side by side
            for (EventStore<Account> store : java.util.List.of(clear, sealed)) {
                store.append(id, i, java.util.List.of(holder(i), new Credited(1)),
                        dev.tally.core.EventMetadata.empty());
            }
        }
        LongSupplier loadClear = () -> clear.load(id).version();
        LongSupplier loadSealed = () -> sealed.load(id).version();
        for (int w = 0; w < 2; w++) {
            time(loadClear, loads);
            time(loadSealed, loads);
        }
        double[] c = new double[rounds];
        double[] s = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            if (r % 2 == 0) {
                c[r] = time(loadClear, loads);
                s[r] = time(loadSealed, loads);
            } else {
                s[r] = time(loadSealed, loads);
                c[r] = time(loadClear, loads);
            }
            say("round " + (r + 1) + ": clear " + format(c[r]) + " ms/load, sealed " + format(s[r])
                    + " ms/load, sealed/clear " + ratio(s[r] / c[r]));
        }
        say("RESULT load: clear median " + format(median(c)) + " ms, sealed median " + format(median(s))
                + " ms; sealed/clear (time, >1 is slower) median of paired round ratios " + ratio(medianRatio(s, c)));
    }

    private static double run(IntConsumer op, int count) {
        long t0 = System.nanoTime();
        for (int i = 0; i < count; i++) {
            op.accept(i);
        }
        return count / ((System.nanoTime() - t0) / 1e9);
    }

    /** Milliseconds per load. */
    private static double time(LongSupplier load, int loads) {
        long t0 = System.nanoTime();
        for (int i = 0; i < loads; i++) {
            load.getAsLong();
        }
        return (System.nanoTime() - t0) / 1e6 / loads;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double medianRatio(double[] a, double[] b) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[i] / b[i];
        }
        return median(r);
    }

    private static String ratio(double r) {
        return String.format(Locale.ROOT, "%.2f", r);
    }
}
