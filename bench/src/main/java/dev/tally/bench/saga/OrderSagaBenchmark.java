package dev.tally.bench.saga;

import static dev.tally.bench.Measurements.format;
import static dev.tally.bench.Measurements.percentileMillis;
import static dev.tally.bench.Measurements.rate;
import static dev.tally.bench.Measurements.say;

import dev.tally.bench.Args;
import dev.tally.core.EventStore;
import dev.tally.core.message.MessageFilter;
import dev.tally.core.runtime.Target;
import dev.tally.core.saga.SagaRunner;
import dev.tally.core.saga.TimerPoller;
import dev.tally.dynamodb.DynamoDbTables;
import dev.tally.dynamodb.DynamoDbTimerStore;
import dev.tally.dynamodb.TableDefinitions;
import dev.tally.examples.bank.Account;
import dev.tally.examples.bank.BankAccount;
import dev.tally.examples.bank.Credit;
import dev.tally.examples.orders.Inventory;
import dev.tally.examples.orders.Order;
import dev.tally.examples.orders.OrderSaga;
import dev.tally.local.LocalDynamoDb;
import dev.tally.local.LocalPipeline;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The order saga on the local stack (DynamoDB Local, its stream, the local EventBridge, timers in a
 * DynamoDB table): the latency from "place called" to "the OrderConfirmed message reached a bus
 * target" with one order in flight at a time, then orders completed per second on a backlog placed
 * at once by several clients (whose latencies are mostly queueing). For scale, the same run
 * measures plain bank credits per second on the same stack (one command, no saga): the ratio says
 * how many plain commands one saga-driven order costs.
 *
 * <pre>
 * java -cp bench/target/tally-bench.jar dev.tally.bench.saga.OrderSagaBenchmark [--orders 300] [--credits 600]
 *      [--clients 8] [--skus 20] [--accounts 20] [--sequential 30]
 * </pre>
 */
public final class OrderSagaBenchmark {
    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        int orders = args.integer("orders", 300);
        int credits = args.integer("credits", 600);
        int clients = args.integer("clients", 8);
        int skus = args.integer("skus", 20);
        int accounts = args.integer("accounts", 20);
        int sequential = args.integer("sequential", 30);
        say("a fresh DynamoDB Local (in memory) and the local pipeline with the order saga...");
        try (LocalDynamoDb db = LocalDynamoDb.inMemory()) {
            run(db, orders, credits, clients, skus, accounts, sequential);
        }
        System.exit(0); // DynamoDB Local leaves non-daemon threads behind
    }

    private static void run(LocalDynamoDb db, int orders, int credits, int clients, int skus, int accountCount,
                            int sequential) throws Exception {
        Map<String, Long> placedAt = new ConcurrentHashMap<>();
        long[] latencies = new long[orders + sequential];
        java.util.concurrent.atomic.AtomicInteger confirmed = new java.util.concurrent.atomic.AtomicInteger();
        CountDownLatch allConfirmed = new CountDownLatch(orders + sequential);
        try (LocalPipeline pipeline = LocalPipeline.builder(db).tablePrefix("saga-bench").build()) {
            EventStore<Order.State> orderStore = pipeline.store(Order.DEFINITION);
            EventStore<Inventory.Stock> inventory = pipeline.store(Inventory.DEFINITION);
            EventStore<Account> bank = pipeline.store(BankAccount.DEFINITION);
            Map<String, EventStore<?>> stores = new HashMap<>(Map.of(Order.STORE, orderStore, Inventory.STORE, inventory,
                    BankAccount.STORE, bank));
            DynamoDbTables.createIfMissing(pipeline.dynamoDbClient(), TableDefinitions.keyValue("saga-bench-timers"));
            DynamoDbTimerStore timers = new DynamoDbTimerStore(pipeline.dynamoDbClient(), "saga-bench-timers");
            SagaRunner<?, ?> runner = SagaRunner.on(pipeline, OrderSaga.SAGA, stores::get, timers);
            pipeline.subscribe(Target.of("confirmations", MessageFilter.stateOf(Order.STORE)
                    .withEventTypes(Set.of("OrderConfirmed", "OrderCancelled")), m -> {
                        Long t0 = placedAt.remove(m.aggregateId());
                        if (t0 != null) {
                            if (m.eventType().equals("OrderConfirmed")) {
                                int i = confirmed.getAndIncrement();
                                latencies[i] = System.nanoTime() - t0;
                            }
                            allConfirmed.countDown();
                        }
                    }));
            pipeline.start();
            try (TimerPoller poller = new TimerPoller(timers, List.of(runner), Clock.systemUTC(),
                    Duration.ofMillis(250)).start()) {
                for (int s = 0; s < skus; s++) {
                    inventory.execute("sku-" + s, new Inventory.Restock(1_000_000));
                }
                for (int a = 0; a < accountCount; a++) {
                    bank.execute("buyer-" + a, new Credit(1_000_000_000L));
                }
                pipeline.awaitQuiet(Duration.ofSeconds(60));

                say("\n## plain commands: " + credits + " bank credits from " + clients + " clients");
                ExecutorService pool = Executors.newFixedThreadPool(clients);
                long c0 = System.nanoTime();
                for (int i = 0; i < credits; i++) {
                    String id = "buyer-" + (i % accountCount);
                    pool.submit(() -> bank.execute(id, new Credit(1)));
                }
                pool.shutdown();
                pool.awaitTermination(10, TimeUnit.MINUTES);
                double creditRate = rate(credits, System.nanoTime() - c0);
                say("RESULT credits: " + format(creditRate) + "/s");
                pipeline.awaitQuiet(Duration.ofSeconds(120));

                say("\n## latency: " + sequential + " orders one at a time, each placed once the previous one ended");
                for (int i = 0; i < sequential; i++) {
                    String id = "single-" + i;
                    long before = allConfirmed.getCount();
                    placedAt.put(id, System.nanoTime());
                    orderStore.execute(id, new Order.Place("buyer-" + (i % accountCount), List.of(
                            new Order.Line("sku-" + (i % skus), 1, 100),
                            new Order.Line("sku-" + ((i + 7) % skus), 2, 50)), 300));
                    while (allConfirmed.getCount() == before) {
                        Thread.sleep(1);
                    }
                }
                long[] single = java.util.Arrays.copyOf(latencies, confirmed.get());
                say("RESULT latency: " + single.length + " confirmed; placed -> confirmed p50 "
                        + format(percentileMillis(single, 50)) + " ms, p99 " + format(percentileMillis(single, 99))
                        + " ms, max " + format(percentileMillis(single, 100)) + " ms");
                int backlogStart = confirmed.get();

                say("\n## " + orders + " orders placed by " + clients + " clients, each 2 SKUs, 1 payment, 300 s deadline");
                ExecutorService placers = Executors.newFixedThreadPool(clients);
                long o0 = System.nanoTime();
                for (int i = 0; i < orders; i++) {
                    int n = i;
                    placers.submit(() -> {
                        String id = "order-" + n;
                        long t = System.nanoTime();
                        placedAt.put(id, t);
                        orderStore.execute(id, new Order.Place("buyer-" + (n % accountCount), List.of(
                                new Order.Line("sku-" + (n % skus), 1, 100),
                                new Order.Line("sku-" + ((n + 7) % skus), 2, 50)), 300));
                    });
                }
                placers.shutdown();
                boolean done = allConfirmed.await(20, TimeUnit.MINUTES);
                long elapsed = System.nanoTime() - o0;
                long[] sample = java.util.Arrays.copyOfRange(latencies, backlogStart, confirmed.get());
                long ended = orders - allConfirmed.getCount();
                double orderRate = rate(ended, elapsed);
                say("RESULT orders: " + ended + " of " + orders + " ended"
                        + (done ? "" : " (timed out waiting)") + ", " + sample.length + " confirmed; "
                        + format(orderRate) + " orders/s completed; placed -> confirmed in the backlog p50 "
                        + format(percentileMillis(sample, 50)) + " ms, p99 " + format(percentileMillis(sample, 99))
                        + " ms, max " + format(percentileMillis(sample, 100)) + " ms");
                say("RESULT ratio: one order costs the time of " + format(creditRate / orderRate)
                        + " plain credits (orders/s / credits/s = " + String.format(java.util.Locale.ROOT, "%.3f",
                        orderRate / creditRate) + ")");
            }
        }
    }
}
