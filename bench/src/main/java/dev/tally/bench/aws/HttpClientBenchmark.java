package dev.tally.bench.aws;

import static dev.tally.bench.Measurements.format;
import static dev.tally.bench.Measurements.rate;
import static dev.tally.bench.Measurements.say;

import dev.tally.bench.Args;
import dev.tally.core.EventStore;
import dev.tally.dynamodb.DynamoDbLedger;
import dev.tally.dynamodb.DynamoDbTables;
import dev.tally.dynamodb.TableDefinitions;
import dev.tally.examples.bank.Account;
import dev.tally.examples.bank.BankAccount;
import dev.tally.examples.bank.Credited;
import dev.tally.local.LocalDynamoDb;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;

/**
 * Append throughput per SDK HTTP client on one DynamoDB Local: for each client, a bare loop of
 * conditional PutItems and Tally's {@code EventStore.append} on the same client and server.
 * Blocks are interleaved (each round runs every client and both sides, the order rotating), since
 * DynamoDB Local slows down as a run accumulates data.
 *
 * <pre>
 * java -cp bench/target/tally-bench.jar dev.tally.bench.aws.HttpClientBenchmark [--rounds 5] [--count 500]
 * </pre>
 */
public final class HttpClientBenchmark {
    private static final String LEDGER = "bench-http-ledger";
    private static final String BARE = "bench-http-bare";

    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        int rounds = args.integer("rounds", 5);
        int count = args.integer("count", 500);
        say("starting DynamoDB Local (in memory, this JVM)...");
        try (LocalDynamoDb db = LocalDynamoDb.inMemory()) {
            Map<HttpClients, DynamoDbClient> clients = new EnumMap<>(HttpClients.class);
            Map<HttpClients, EventStore<Account>> stores = new EnumMap<>(HttpClients.class);
            for (HttpClients c : HttpClients.values()) {
                DynamoDbClient client = c.dynamoDb(db.endpoint());
                clients.put(c, client);
                stores.put(c, EventStore.builder(BankAccount.DEFINITION, new DynamoDbLedger(client, LEDGER)).build());
            }
            // DynamoDB Local keeps one database per access key: the clients share theirs
            DynamoDbTables.createIfMissing(clients.get(HttpClients.URL_CONNECTION), TableDefinitions.ledger(LEDGER));
            DynamoDbTables.createIfMissing(clients.get(HttpClients.URL_CONNECTION), TableDefinitions.ledger(BARE));
            // warm-up: every client and side, so class loading and JIT are behind us
            for (HttpClients c : HttpClients.values()) {
                bare(clients.get(c), "warm-" + c.label, Math.min(200, count));
                tally(stores.get(c), "warm-" + c.label, Math.min(200, count));
            }
            Map<String, List<Double>> rates = new HashMap<>();
            Map<HttpClients, List<Double>> paired = new EnumMap<>(HttpClients.class);
            HttpClients[] order = HttpClients.values();
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < order.length; i++) {
                    HttpClients c = order[(i + r) % order.length];
                    String id = c.label + "-" + r;
                    double b;
                    double t;
                    if (r % 2 == 0) {
                        b = bare(clients.get(c), id, count);
                        t = tally(stores.get(c), id, count);
                    } else {
                        t = tally(stores.get(c), id, count);
                        b = bare(clients.get(c), id, count);
                    }
                    rates.computeIfAbsent(c.label + " bare", k -> new ArrayList<>()).add(b);
                    rates.computeIfAbsent(c.label + " tally", k -> new ArrayList<>()).add(t);
                    paired.computeIfAbsent(c, k -> new ArrayList<>()).add(t / b);
                    say(String.format("round %d %-14s bare %8s/s  tally %8s/s", r + 1, c.label, format(b), format(t)));
                }
            }
            double urlBare = median(rates.get("url-connection bare"));
            say("");
            say("| client | bare puts/s (median) | Tally appends/s (median) | Tally / bare (paired median)"
                    + " | bare / url-connection bare |");
            say("| --- | ---: | ---: | ---: | ---: |");
            for (HttpClients c : HttpClients.values()) {
                double b = median(rates.get(c.label + " bare"));
                double t = median(rates.get(c.label + " tally"));
                say(String.format("| %s | %s | %s | %.2f | %.2f |", c.label, format(b), format(t),
                        median(paired.get(c)), b / urlBare));
            }
            for (DynamoDbClient c : clients.values()) {
                c.close();
            }
        }
        System.exit(0); // DynamoDB Local leaves non-daemon threads behind
    }

    /** Conditional PutItems of a ledger-shaped item on one stream, versions 1..n. */
    static double bare(DynamoDbClient client, String stream, int n) {
        long start = System.nanoTime();
        for (int v = 1; v <= n; v++) {
            Map<String, AttributeValue> item = new HashMap<>();
            item.put("pk", AttributeValue.fromS("bank-account#" + stream));
            item.put("version", AttributeValue.fromN(Integer.toString(v)));
            item.put("type", AttributeValue.fromS("Credited"));
            item.put("payload", AttributeValue.fromS("{\"amount\":" + v + "}"));
            item.put("recordedAt", AttributeValue.fromS("2026-11-29T00:00:00Z"));
            client.putItem(PutItemRequest.builder().tableName(BARE).item(item)
                    .conditionExpression("attribute_not_exists(pk)").build());
        }
        return rate(n, System.nanoTime() - start);
    }

    /** Tally's append on one aggregate, versions 1..n. */
    static double tally(EventStore<Account> store, String stream, int n) {
        long start = System.nanoTime();
        for (int v = 1; v <= n; v++) {
            store.append(stream, v - 1, new Credited(v));
        }
        return rate(n, System.nanoTime() - start);
    }

    static double median(List<Double> values) {
        double[] a = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }
}
