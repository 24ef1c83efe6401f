package dev.tally.bench.dynamodb;

import static dev.tally.bench.Measurements.format;
import static dev.tally.bench.Measurements.percentileMillis;
import static dev.tally.bench.Measurements.rate;
import static dev.tally.bench.Measurements.say;

import dev.tally.bench.Args;
import dev.tally.core.Aggregate;
import dev.tally.core.EventMetadata;
import dev.tally.core.EventStore;
import dev.tally.core.snapshot.SnapshotPolicy;
import dev.tally.dynamodb.DynamoDbLedger;
import dev.tally.dynamodb.DynamoDbSnapshotStore;
import dev.tally.dynamodb.DynamoDbTables;
import dev.tally.dynamodb.TableDefinitions;
import dev.tally.examples.bank.Account;
import dev.tally.examples.bank.BankAccount;
import dev.tally.examples.bank.Credited;
import dev.tally.local.LocalDynamoDb;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;

/**
 * Tally's append against a bare SDK conditional PutItem loop, on the same DynamoDB Local, in
 * the same run, rounds interleaved so drift hits both alike; then aggregate load time of a
 * 10,000-event stream with and without a snapshot.
 *
 * <pre>
 * java -cp bench/target/tally-bench.jar dev.tally.bench.dynamodb.DynamoDbAppendBenchmark \
 *      [--rounds 5] [--count 2000] [--loads 20] [--parts sequential,parallel,gap,load,commandid]
 * </pre>
 */
public final class DynamoDbAppendBenchmark {
    private static final String LEDGER = "bench-ledger";
    private static final String SNAPSHOTS = "bench-snapshots";

    private final DynamoDbClient client;
    private final DynamoDbLedger ledger;
    private final EventStore<Account> store;
    private int streamCounter;

    private DynamoDbAppendBenchmark(DynamoDbClient client) {
        this.client = client;
        DynamoDbTables.createIfMissing(client, TableDefinitions.ledger(LEDGER));
        DynamoDbTables.createIfMissing(client, TableDefinitions.snapshots(SNAPSHOTS));
        this.ledger = new DynamoDbLedger(client, LEDGER);
        this.store = EventStore.builder(BankAccount.DEFINITION, ledger).build();
    }

    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        int rounds = args.integer("rounds", 5);
        int count = args.integer("count", 2000);
        int loads = args.integer("loads", 20);
        java.util.Set<String> parts = args.set("parts", "sequential,parallel,gap,load");
        say("starting DynamoDB Local (in memory)...");
        try (LocalDynamoDb db = LocalDynamoDb.inMemory()) {
            DynamoDbAppendBenchmark b = new DynamoDbAppendBenchmark(db.client());
            if (parts.contains("sequential")) {
                b.sequential(rounds, count);
            }
            if (parts.contains("parallel")) {
                b.parallel(rounds, count * 2, 16);
            }
            if (parts.contains("gap")) {
                b.gapCheckCost(count / 2);
            }
            if (parts.contains("load")) {
                b.loads(loads);
            }
            if (parts.contains("load-vs-bare")) {
                b.loadVersusBare(rounds, loads);
            }
            if (parts.contains("commandid")) {
                b.commandIdCost(rounds, count / 2);
            }
        }
        System.exit(0); // DynamoDB Local leaves non-daemon threads behind
    }

    // --- one aggregate, one writer ------------------------------------------------------------

    private void sequential(int rounds, int count) {
        say("\n## sequential appends on one aggregate (" + rounds + " rounds x " + count + " appends each side)");
        String bareId = "bare-" + (++streamCounter);
        String flagId = "flag-" + streamCounter;
        String tallyId = "tally-" + streamCounter;
        long[] bareVersion = {0};
        long[] flagVersion = {0};
        long[] tallyVersion = {0};
        IntConsumer bare = i -> barePut(bareId, ++bareVersion[0], false);
        IntConsumer flag = i -> barePut(flagId, ++flagVersion[0], true);
        IntConsumer tally = i -> {
            store.append(tallyId, tallyVersion[0], new Credited(1));
            tallyVersion[0]++;
        };
        List<IntConsumer> sides = List.of(bare, flag, tally);
        say("warm-up (the in-process server needs it too)...");
        for (int w = 0; w < 3; w++) {
            sides.forEach(side -> run(side, count));
        }
        double[][] rates = new double[3][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < 3; k++) {
                int side = (k + r) % 3; // rotate who goes first
                rates[side][r] = run(sides.get(side), count);
            }
            say("round " + (r + 1) + ": bare PutItem " + format(rates[0][r]) + "/s, bare + ReturnValuesOnCondition"
                    + "CheckFailure " + format(rates[1][r]) + "/s, Tally EventStore.append " + format(rates[2][r])
                    + "/s, Tally/bare " + format2(rates[2][r] / rates[0][r]));
        }
        say("RESULT sequential: bare median " + format(median(rates[0])) + "/s, bare+flag median "
                + format(median(rates[1])) + "/s, Tally median " + format(median(rates[2])) + "/s; Tally/bare: ratio of"
                + " medians " + format2(median(rates[2]) / median(rates[0])) + ", median of paired round ratios "
                + format2(medianRatio(rates[2], rates[0])) + "; Tally/bare+flag: " + format2(medianRatio(rates[2],
                rates[1])) + "; flag cost on DynamoDB Local: bare+flag/bare " + format2(medianRatio(rates[1], rates[0])));
    }

    // --- what a command id costs ------------------------------------------------------------------

    /**
     * EventStore.execute of a Credit on one aggregate, without and with a command id: one PutItem
     * against one TransactWriteItems of the event and its command item.
     */
    private void commandIdCost(int rounds, int count) {
        say("\n## execute without / with a command id, one aggregate (" + rounds + " rounds x " + count
                + " commands each side)");
        String plainId = "plain-" + (++streamCounter);
        String idsId = "ids-" + streamCounter;
        int[] n = {0};
        IntConsumer plain = i -> store.execute(plainId, new dev.tally.examples.bank.Credit(1));
        IntConsumer withIds = i -> store.execute(idsId, new dev.tally.examples.bank.Credit(1),
                EventMetadata.empty().withCommandId("c-" + (++n[0])));
        List<IntConsumer> sides = List.of(plain, withIds);
        say("warm-up...");
        for (int w = 0; w < 2; w++) {
            sides.forEach(side -> run(side, count));
        }
        double[][] rates = new double[2][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < 2; k++) {
                int side = (k + r) % 2;
                rates[side][r] = run(sides.get(side), count);
            }
            say("round " + (r + 1) + ": without " + format(rates[0][r]) + "/s, with command id "
                    + format(rates[1][r]) + "/s, with/without " + format2(rates[1][r] / rates[0][r]));
        }
        say("RESULT command id: without median " + format(median(rates[0])) + "/s, with median "
                + format(median(rates[1])) + "/s; with/without: ratio of medians "
                + format2(median(rates[1]) / median(rates[0])) + ", median of paired round ratios "
                + format2(medianRatio(rates[1], rates[0])));
    }

    private void barePut(String id, long version, boolean reportConflicts) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("pk", AttributeValue.fromS("bank-account#" + id));
        item.put("version", AttributeValue.fromN(Long.toString(version)));
        item.put("itemKind", AttributeValue.fromS("event"));
        item.put("store", AttributeValue.fromS("bank-account"));
        item.put("aggregateId", AttributeValue.fromS(id));
        item.put("type", AttributeValue.fromS("Credited"));
        item.put("schemaVersion", AttributeValue.fromN("1"));
        item.put("timestamp", AttributeValue.fromS(Instant.now().truncatedTo(ChronoUnit.MILLIS).toString()));
        item.put("payload", AttributeValue.fromM(Map.of("amount", AttributeValue.fromN("1"))));
        item.put("metadata", AttributeValue.fromM(Map.of()));
        if (version == 1) {
            item.put("gsi1pk", AttributeValue.fromS("bank-account"));
            item.put("gsi1sk", AttributeValue.fromS(id));
        }
        PutItemRequest.Builder put = PutItemRequest.builder().tableName(LEDGER).item(item)
                .conditionExpression("attribute_not_exists(pk)");
        if (reportConflicts) {
            put.returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD);
        }
        client.putItem(put.build());
    }

    private static double run(IntConsumer op, int count) {
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            op.accept(i);
        }
        return rate(count, System.nanoTime() - start);
    }

    // --- 16 aggregates, 16 writers ------------------------------------------------------------

    private void parallel(int rounds, int total, int threads) throws Exception {
        say("\n## parallel appends, " + threads + " aggregates x 1 writer each (" + rounds + " rounds x " + total
                + " appends each side)");
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        double[] bareRates = new double[rounds];
        double[] tallyRates = new double[rounds];
        runParallel(pool, threads, total, true); // warm-up
        runParallel(pool, threads, total, false);
        for (int r = 0; r < rounds; r++) {
            if (r % 2 == 0) {
                bareRates[r] = runParallel(pool, threads, total, true);
                tallyRates[r] = runParallel(pool, threads, total, false);
            } else {
                tallyRates[r] = runParallel(pool, threads, total, false);
                bareRates[r] = runParallel(pool, threads, total, true);
            }
            say("round " + (r + 1) + ": bare " + format(bareRates[r]) + "/s, Tally " + format(tallyRates[r])
                    + "/s, ratio " + format2(tallyRates[r] / bareRates[r]));
        }
        pool.shutdown();
        say("RESULT parallel x" + threads + ": bare median " + format(median(bareRates)) + "/s, Tally median "
                + format(median(tallyRates)) + "/s, ratio of medians " + format2(median(tallyRates) / median(bareRates))
                + ", median of paired round ratios " + format2(medianRatio(tallyRates, bareRates)));
    }

    private double runParallel(ExecutorService pool, int threads, int total, boolean bare) throws Exception {
        int per = total / threads;
        int round = ++streamCounter;
        List<Future<?>> futures = new ArrayList<>();
        long start = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            String id = (bare ? "pbare-" : "ptally-") + round + "-" + t;
            futures.add(pool.submit(() -> {
                for (int v = 1; v <= per; v++) {
                    if (bare) {
                        barePut(id, v, false);
                    } else {
                        store.append(id, v - 1, new Credited(1));
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        return rate((long) per * threads, System.nanoTime() - start);
    }

    // --- what refusing gaps costs when the ledger has not seen N-1 ----------------------------

    private void gapCheckCost(int count) {
        say("\n## append without knowing N-1 (TransactWriteItems with a ConditionCheck) vs hot path (" + count
                + " each)");
        String hotId = "hot-" + (++streamCounter);
        String coldId = "cold-" + streamCounter;
        EventStore<Account> coldStore = EventStore.builder(BankAccount.DEFINITION, ledger).build();
        long[] hv = {0};
        long[] cv = {0};
        double hot = run(i -> store.append(hotId, hv[0]++, new Credited(1)), count);
        double cold = run(i -> {
            // a fresh ledger each time knows no stream: every append but the first is transactional
            EventStore<Account> s = EventStore.builder(BankAccount.DEFINITION, new DynamoDbLedger(client, LEDGER))
                    .build();
            s.append(coldId, cv[0]++, new Credited(1));
        }, count);
        say("RESULT gap check: hot path " + format(hot) + "/s, transactional path " + format(cold) + "/s, ratio "
                + format2(cold / hot));
        if (coldStore.load(coldId).version() != count) {
            throw new IllegalStateException("cold stream has the wrong length");
        }
    }

    // --- load time of a 10,000-event aggregate --------------------------------------------------

    private void loads(int loads) {
        say("\n## loading a 10,000-event aggregate, " + loads + " loads each way");
        String id = "long-" + (++streamCounter);
        List<Credited> batch = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            batch.add(new Credited(1));
        }
        for (int v = 0; v < 10_000; v += 100) {
            store.append(id, v, batch, EventMetadata.empty());
            if ((v + 100) % 2000 == 0) {
                say("  written " + (v + 100) + " events");
            }
        }
        DynamoDbSnapshotStore snapshots = new DynamoDbSnapshotStore(client, SNAPSHOTS);
        EventStore<Account> withSnapshots = EventStore.builder(BankAccount.DEFINITION, ledger)
                .snapshots(snapshots, SnapshotPolicy.everyNEvents(100)).build();
        // the worst case under everyNEvents(100): the newest snapshot is 100 events behind the head
        snapshots.save(withSnapshots.snapshotOf(store.loadAt(id, 9_900)));
        // no aggregate cache on either side: every load goes to the tables, as in a fresh Lambda
        EventStore<Account> readOnlySnapshots = EventStore.builder(BankAccount.DEFINITION, ledger)
                .snapshots(snapshots, SnapshotPolicy.never()).cache(0).build();
        EventStore<Account> fullFold = EventStore.builder(BankAccount.DEFINITION, ledger).cache(0).build();

        long[] plain = new long[loads];
        long[] snap = new long[loads];
        for (int i = 0; i < loads; i++) {
            long t0 = System.nanoTime();
            Aggregate<Account> a = fullFold.load(id);
            long t1 = System.nanoTime();
            Aggregate<Account> b = readOnlySnapshots.load(id);
            long t2 = System.nanoTime();
            plain[i] = t1 - t0;
            snap[i] = t2 - t1;
            if (!a.equals(b) || a.version() != 10_000) {
                throw new IllegalStateException("loads disagree: " + a + " vs " + b);
            }
        }
        say("RESULT load 10,000 events: without snapshot p50 " + format(percentileMillis(plain, 50)) + " ms, p90 "
                + format(percentileMillis(plain, 90)) + " ms; with snapshot (+100 events) p50 "
                + format(percentileMillis(snap, 50)) + " ms, p90 " + format(percentileMillis(snap, 90))
                + " ms; speed-up x" + format(percentileMillis(plain, 50) / percentileMillis(snap, 50)));
    }

    // --- loading 1,000 events: EventStore.load against a bare Query + decode loop -----------------

    private void loadVersusBare(int rounds, int loads) {
        say("\n## loading a 1,000-event aggregate: Tally's load against a bare Query + decode loop, " + rounds
                + " rounds x " + loads + " loads each side");
        String id = "thousand-" + (++streamCounter);
        List<Credited> batch = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            batch.add(new Credited(1));
        }
        for (int v = 0; v < 1_000; v += 100) {
            store.append(id, v, batch, EventMetadata.empty());
        }
        EventStore<Account> uncached = EventStore.builder(BankAccount.DEFINITION, ledger).cache(0).build();
        String pk = dev.tally.dynamodb.LedgerItems.pk(BankAccount.DEFINITION.name(), id);
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        // bare: the same Query (consistent, key condition on the version), each item's payload decoded
        // into the event record with Jackson and folded into a balance
        java.util.function.LongSupplier bare = () -> {
            long balance = 0;
            long seen = 0;
            Map<String, AttributeValue> start = null;
            do {
                var page = client.query(software.amazon.awssdk.services.dynamodb.model.QueryRequest.builder()
                        .tableName(LEDGER).keyConditionExpression("pk = :pk AND #v BETWEEN :from AND :to")
                        .expressionAttributeNames(Map.of("#v", "version"))
                        .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(pk),
                                ":from", AttributeValue.fromN("1"), ":to", AttributeValue.fromN("" + Long.MAX_VALUE)))
                        .consistentRead(true).exclusiveStartKey(start).build());
                for (Map<String, AttributeValue> item : page.items()) {
                    var payload = dev.tally.dynamodb.JsonAttributes.toObject(item.get("payload").m());
                    try {
                        balance += json.treeToValue(payload, Credited.class).amount();
                    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                        throw new IllegalStateException(e);
                    }
                    seen++;
                }
                start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey()
                        : null;
            } while (start != null);
            if (seen != 1_000 || balance != 1_000) {
                throw new IllegalStateException("bare loop read " + seen + " events, balance " + balance);
            }
            return seen;
        };
        java.util.function.LongSupplier tally = () -> {
            Aggregate<Account> a = uncached.load(id);
            if (a.version() != 1_000) {
                throw new IllegalStateException("Tally loaded version " + a.version());
            }
            return a.version();
        };
        for (int w = 0; w < loads; w++) { // warm-up
            bare.getAsLong();
            tally.getAsLong();
        }
        double[] bareMs = new double[rounds];
        double[] tallyMs = new double[rounds];
        // each Tally load over the bare load right next to it in time: a busy machine slows both of a pair alike
        double[] pairRatios = new double[rounds * loads];
        for (int r = 0; r < rounds; r++) {
            long[] b = new long[loads];
            long[] t = new long[loads];
            for (int i = 0; i < loads; i++) {
                boolean bareFirst = (i + r) % 2 == 0; // alternate who goes first
                long t0 = System.nanoTime();
                if (bareFirst) {
                    bare.getAsLong();
                } else {
                    tally.getAsLong();
                }
                long t1 = System.nanoTime();
                if (bareFirst) {
                    tally.getAsLong();
                } else {
                    bare.getAsLong();
                }
                long t2 = System.nanoTime();
                b[i] = bareFirst ? t1 - t0 : t2 - t1;
                t[i] = bareFirst ? t2 - t1 : t1 - t0;
                pairRatios[r * loads + i] = (double) t[i] / b[i];
            }
            bareMs[r] = percentileMillis(b, 50);
            tallyMs[r] = percentileMillis(t, 50);
            say("round " + (r + 1) + ": bare p50 " + format(bareMs[r]) + " ms, Tally p50 " + format(tallyMs[r])
                    + " ms, Tally/bare " + format2(tallyMs[r] / bareMs[r]));
        }
        // the same 1,000 items decoded without the round trip: what is CPU work on each side
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        Map<String, AttributeValue> from = null;
        do {
            var page = client.query(software.amazon.awssdk.services.dynamodb.model.QueryRequest.builder()
                    .tableName(LEDGER).keyConditionExpression("pk = :pk")
                    .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(pk))).consistentRead(true)
                    .exclusiveStartKey(from).build());
            items.addAll(page.items());
            from = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (from != null);
        long[] bareDecode = new long[loads * 5];
        long[] tallyDecode = new long[loads * 5];
        for (int i = 0; i < bareDecode.length; i++) {
            long t0 = System.nanoTime();
            long balance = 0;
            for (Map<String, AttributeValue> item : items) {
                try {
                    balance += json.treeToValue(dev.tally.dynamodb.JsonAttributes.toObject(item.get("payload").m()),
                            Credited.class).amount();
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new IllegalStateException(e);
                }
            }
            long t1 = System.nanoTime();
            List<dev.tally.core.RecordedEvent> events = new ArrayList<>(items.size());
            for (Map<String, AttributeValue> item : items) {
                events.add(dev.tally.dynamodb.LedgerItems.fromItem(item));
            }
            long t2 = System.nanoTime();
            Aggregate<Account> folded = uncached.fold(new Aggregate<>(id, 0, BankAccount.DEFINITION.initialState()),
                    events);
            long t3 = System.nanoTime();
            if (balance != 1_000 || folded.version() != 1_000) {
                throw new IllegalStateException("decode disagrees");
            }
            bareDecode[i] = t1 - t0;
            tallyDecode[i] = t3 - t1;
            if (i == bareDecode.length - 1) {
                say("decode only (last pass): items to records " + format((t2 - t1) / 1e6) + " ms, fold "
                        + format((t3 - t2) / 1e6) + " ms");
            }
        }
        say("RESULT decode 1,000 items without the Query: bare p50 " + format(percentileMillis(bareDecode, 50))
                + " ms, Tally (items to recorded events, decode, fold) p50 " + format(percentileMillis(tallyDecode, 50))
                + " ms");
        say("RESULT load 1,000 events: bare median of p50s " + format(median(bareMs)) + " ms, Tally "
                + format(median(tallyMs)) + " ms; Tally/bare: median of paired round ratios "
                + format2(medianRatio(tallyMs, bareMs)) + "; median of " + pairRatios.length + " paired loads "
                + format2(median(pairRatios)) + " (quartiles " + format2(quantile(pairRatios, 0.25)) + "-"
                + format2(quantile(pairRatios, 0.75)) + ")");
    }

    private static double quantile(double[] values, double q) {
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        return sorted[(int) Math.min(sorted.length - 1, Math.round(q * (sorted.length - 1)))];
    }

    private static double medianRatio(double[] numerators, double[] denominators) {
        double[] ratios = new double[numerators.length];
        for (int i = 0; i < ratios.length; i++) {
            ratios[i] = numerators[i] / denominators[i];
        }
        return median(ratios);
    }

    private static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static String format2(double v) {
        return String.format(java.util.Locale.ROOT, "%.2f", v);
    }
}
