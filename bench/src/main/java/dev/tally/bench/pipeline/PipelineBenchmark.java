package dev.tally.bench.pipeline;

import static dev.tally.bench.Measurements.format;
import static dev.tally.bench.Measurements.percentileMillis;
import static dev.tally.bench.Measurements.rate;
import static dev.tally.bench.Measurements.say;

import dev.tally.bench.Args;
import dev.tally.core.EventStore;
import dev.tally.core.command.CommandResult;
import dev.tally.core.message.Message;
import dev.tally.core.runtime.FailurePolicy;
import dev.tally.core.runtime.Target;
import dev.tally.examples.bank.BankProjections;
import dev.tally.core.projection.Projector;
import dev.tally.dynamodb.DynamoDbProjectionWriter;
import dev.tally.dynamodb.DynamoDbTables;
import dev.tally.dynamodb.TableDefinitions;
import dev.tally.examples.bank.Account;
import dev.tally.examples.bank.BalanceView;
import dev.tally.examples.bank.BankAccount;
import dev.tally.examples.bank.Credit;
import dev.tally.local.LocalDynamoDb;
import dev.tally.local.LocalPipeline;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The local serverless stack end to end: lag from "append returned" to "the balance view in
 * DynamoDB holds that version", at a steady command rate; then the dispatcher's throughput on a
 * backlog (stream read, aggregate as of each event, PutEvents over HTTP, routing).
 *
 * <pre>
 * java -cp bench/target/tally-bench.jar dev.tally.bench.pipeline.PipelineBenchmark \
 *      [--rate 200] [--seconds 60] [--backlog 5000] [--accounts 50] [--deliveries both|memory|durable]
 *      [--rounds 1]
 * </pre>
 */
public final class PipelineBenchmark {
    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        int rate = args.integer("rate", 200);
        int seconds = args.integer("seconds", 60);
        int backlog = args.integer("backlog", 5000);
        int accounts = args.integer("accounts", 50);
        int warmup = args.integer("warmup", 20);
        String deliveries = args.string("deliveries", "both");
        int rounds = args.integer("rounds", 1);
        // each phase on a fresh DynamoDB Local (its single SQLite thread slows down as tables and
        // streams grow, so a phase would pay for an earlier one's data); with --rounds N the two
        // paths alternate N times in one JVM, so the first phase's cold JIT weighs on one round only
        for (int round = 1; round <= rounds; round++) {
            for (boolean durable : new boolean[] {true, false}) {
                if (deliveries.equals(durable ? "memory" : "durable")) {
                    continue;
                }
                say("round " + round + ": a fresh DynamoDB Local (in memory) and the local pipeline...");
                try (LocalDynamoDb db = LocalDynamoDb.inMemory()) {
                    lag(db, durable, rate, warmup, seconds, accounts);
                }
            }
        }
        if (backlog > 0) {
            try (LocalDynamoDb db = LocalDynamoDb.inMemory()) {
                throughput(db, backlog, accounts);
            }
        }
        System.exit(0); // DynamoDB Local leaves non-daemon threads behind
    }

    private static void lag(LocalDynamoDb db, boolean durable, int rate, int warmup, int seconds, int accounts)
            throws Exception {
        String prefix = durable ? "lag-durable" : "lag-memory";
        say("\n## end-to-end lag at a steady " + rate + " commands/s for " + seconds + " s after " + warmup
                + " s of warm-up (" + accounts + " accounts), deliveries "
                + (durable ? "stored in DynamoDB before PutEvents answers (the durable path)"
                : "held in memory only (the path it replaces)"));
        try (LocalPipeline pipeline = LocalPipeline.builder(db).tablePrefix(prefix).durableDeliveries(durable)
                .build()) {
            EventStore<Account> store = pipeline.store(BankAccount.DEFINITION);
            DynamoDbTables.createIfMissing(pipeline.dynamoDbClient(), TableDefinitions.views(prefix + "-balance"));
            Projector<Account, BalanceView> balance = new Projector<>(BankProjections.BALANCE_VIEW,
                    new DynamoDbProjectionWriter<>(pipeline.dynamoDbClient(), prefix + "-balance", BalanceView.class));
            LagProbe probe = new LagProbe(rate * seconds * 2);
            pipeline.subscribe(new Target("balance", balance.projection().filter(), (Message m) -> {
                balance.handle(m);
                probe.viewUpdated(m.event().coordinates(), System.nanoTime());
            }, FailurePolicy.DEFAULT));
            pipeline.start();
            ExecutorService workers = Executors.newFixedThreadPool(16);
            say("  warming up for " + warmup + " s (not measured)...");
            steady(workers, store, rate, warmup, accounts, null);
            pipeline.awaitQuiet(Duration.ofSeconds(60));
            probe.start();

            long start = System.nanoTime();
            long sent = steady(workers, store, rate, seconds, accounts, probe);
            long elapsed = System.nanoTime() - start;
            pipeline.awaitQuiet(Duration.ofSeconds(60));
            workers.shutdown();
            long[] sample = probe.lags();
            int n = sample.length;
            say("RESULT lag (" + (durable ? "durable" : "memory") + "): " + sent + " commands at " + format(rate(sent, elapsed))
                    + "/s achieved; views updated " + n + "; append -> view p50 " + format(percentileMillis(sample, 50))
                    + " ms, p90 " + format(percentileMillis(sample, 90)) + " ms, p99 "
                    + format(percentileMillis(sample, 99)) + " ms, max " + format(percentileMillis(sample, 100)) + " ms");
        }
    }

    /**
     * Pairs "append returned" with "view updated" per event, in whichever order they happen (the
     * view can be written before the command's thread records its append).
     */
    static final class LagProbe {
        private final Map<String, Long> appendedAt = new java.util.HashMap<>();
        private final Map<String, Long> viewedAt = new java.util.HashMap<>();
        private final long[] lags;
        private final AtomicInteger count = new AtomicInteger();
        private volatile boolean on;

        LagProbe(int capacity) {
            this.lags = new long[capacity];
        }

        synchronized void start() {
            appendedAt.clear();
            viewedAt.clear();
            on = true;
        }

        synchronized void appended(String event, long nanos) {
            Long viewed = viewedAt.remove(event);
            if (viewed == null) {
                appendedAt.put(event, nanos);
            } else {
                record(Math.max(0, viewed - nanos));
            }
        }

        synchronized void viewUpdated(String event, long nanos) {
            Long appended = appendedAt.remove(event);
            if (appended == null) {
                viewedAt.put(event, nanos);
            } else {
                record(nanos - appended);
            }
        }

        private void record(long lag) {
            if (!on) {
                return;
            }
            int i = count.getAndIncrement();
            if (i < lags.length) {
                lags[i] = lag;
            }
        }

        long[] lags() {
            return java.util.Arrays.copyOf(lags, Math.min(count.get(), lags.length));
        }
    }

    /** Issues {@code rate} credits per second for {@code seconds} (open loop); returns how many finished. */
    private static long steady(ExecutorService workers, EventStore<Account> store, int rate, int seconds, int accounts,
                               LagProbe probe) throws Exception {
        ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
        AtomicLong issued = new AtomicLong();
        AtomicLong done = new AtomicLong();
        long total = (long) rate * seconds;
        long start = System.nanoTime();
        pacer.scheduleAtFixedRate(() -> {
            long n = issued.incrementAndGet();
            if (n > total) {
                return;
            }
            workers.submit(() -> {
                CommandResult<Account> r = store.execute("acc-" + (n % accounts), new Credit(1));
                if (probe != null && r instanceof CommandResult.Accepted<Account> a) {
                    probe.appended(a.events().get(0).coordinates(), System.nanoTime());
                }
                done.incrementAndGet();
            });
        }, 0, 1_000_000L / rate, TimeUnit.MICROSECONDS);
        for (int s = 1; s <= seconds; s++) {
            Thread.sleep(1000);
            if (s % 10 == 0) {
                say("  " + s + " s: " + done.get() + " commands done");
            }
        }
        while (done.get() < total && System.nanoTime() - start < Duration.ofSeconds(seconds + 120).toNanos()) {
            Thread.sleep(20);
        }
        pacer.shutdownNow();
        return done.get();
    }

    private static void throughput(LocalDynamoDb db, int backlog, int accounts) throws Exception {
        say("\n## dispatcher throughput on a backlog of " + backlog + " events (" + accounts + " accounts)");
        try (LocalPipeline pipeline = LocalPipeline.builder(db).tablePrefix("thr").build()) {
            EventStore<Account> store = pipeline.store(BankAccount.DEFINITION);
            AtomicLong delivered = new AtomicLong();
            pipeline.subscribe(Target.of("count", dev.tally.core.message.MessageFilter.stateOf(BankAccount.STORE),
                    m -> delivered.incrementAndGet()));
            ExecutorService writers = Executors.newFixedThreadPool(8);
            for (int i = 0; i < backlog; i++) {
                int n = i;
                writers.submit(() -> store.execute("acc-" + (n % accounts), new Credit(1)));
            }
            writers.shutdown();
            writers.awaitTermination(10, TimeUnit.MINUTES);
            say("  backlog written; starting the stream poller");
            long start = System.nanoTime();
            pipeline.start();
            while (pipeline.stats().dispatched() < backlog) {
                Thread.sleep(10);
            }
            long dispatchNanos = System.nanoTime() - start;
            while (delivered.get() < backlog) {
                Thread.sleep(10);
            }
            long deliverNanos = System.nanoTime() - start;
            say("RESULT dispatcher: " + backlog + " events dispatched (stream read + aggregate as of each event +"
                    + " PutEvents) at " + format(rate(backlog, dispatchNanos)) + " events/s; delivered to a target at "
                    + format(rate(backlog, deliverNanos)) + " events/s");
        }
    }
}
