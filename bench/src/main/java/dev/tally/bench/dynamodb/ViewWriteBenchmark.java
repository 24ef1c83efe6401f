package dev.tally.bench.dynamodb;

import static dev.tally.bench.Measurements.say;

import dev.tally.bench.Args;
import dev.tally.dynamodb.DynamoDbTables;
import dev.tally.dynamodb.TableDefinitions;
import dev.tally.local.LocalDynamoDb;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;

/**
 * What a credit's view writes cost DynamoDB Local in this JVM (on disk, as {@code tally serve --data}):
 * {@code --views} conditional PutItems (one per view, "only when newer", as {@code DynamoDbProjectionWriter}
 * writes them) against the same puts in one TransactWriteItems. Rounds alternate the two sides; per
 * side the median over rounds of the process CPU and the wall time per credit.
 *
 * <pre>
 * java -cp bench/target/tally-bench.jar dev.tally.bench.dynamodb.ViewWriteBenchmark \
 *      [--credits 300] [--rounds 6] [--views 3]
 * </pre>
 */
public final class ViewWriteBenchmark {
    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        int credits = args.integer("credits", 300);
        int rounds = args.integer("rounds", 6);
        int views = args.integer("views", 3);
        Path dir = Files.createTempDirectory("tally-view-writes");
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (LocalDynamoDb db = LocalDynamoDb.persistent(dir, 0)) {
            DynamoDbClient client = db.client();
            for (int v = 0; v < views; v++) {
                DynamoDbTables.createIfMissing(client, TableDefinitions.views("view-" + v));
            }
            List<double[]> puts = new ArrayList<>();
            List<double[]> transactions = new ArrayList<>();
            long version = 0;
            for (int round = 0; round < rounds + 1; round++) { // the first round warms up
                for (boolean transact : new boolean[] {round % 2 == 0, round % 2 != 0}) {
                    version++;
                    long cpu0 = os.getProcessCpuTime();
                    long t0 = System.nanoTime();
                    for (int c = 0; c < credits; c++) {
                        String key = "acc-" + c;
                        if (transact) {
                            List<TransactWriteItem> items = new ArrayList<>();
                            for (int v = 0; v < views; v++) {
                                PutItemRequest p = put("view-" + v, key, version);
                                items.add(TransactWriteItem.builder().put(Put.builder().tableName(p.tableName())
                                        .item(p.item()).conditionExpression(p.conditionExpression())
                                        .expressionAttributeNames(p.expressionAttributeNames())
                                        .expressionAttributeValues(p.expressionAttributeValues()).build()).build());
                            }
                            client.transactWriteItems(TransactWriteItemsRequest.builder().transactItems(items).build());
                        } else {
                            for (int v = 0; v < views; v++) {
                                client.putItem(put("view-" + v, key, version));
                            }
                        }
                    }
                    double wall = (System.nanoTime() - t0) / 1e6 / credits;
                    double cpu = (os.getProcessCpuTime() - cpu0) / 1e6 / credits;
                    if (round > 0) {
                        (transact ? transactions : puts).add(new double[] {cpu, wall});
                    }
                }
            }
            say(String.format(java.util.Locale.ROOT, "view writes of %d credits x %d views, %d rounds (median per credit):",
                    credits, views, rounds));
            say(String.format(java.util.Locale.ROOT, "  %d PutItems:            CPU %.2f ms, wall %.2f ms", views,
                    median(puts, 0), median(puts, 1)));
            say(String.format(java.util.Locale.ROOT, "  one TransactWriteItems: CPU %.2f ms, wall %.2f ms",
                    median(transactions, 0), median(transactions, 1)));
        }
        System.exit(0);
    }

    private static PutItemRequest put(String table, String key, long version) {
        return PutItemRequest.builder().tableName(table)
                .item(Map.of("_id", AttributeValue.fromS(key), "_version", AttributeValue.fromN(Long.toString(version)),
                        "balance", AttributeValue.fromN(Long.toString(version * 7)),
                        "currency", AttributeValue.fromS("EUR")))
                .conditionExpression("attribute_not_exists(#id) OR #ver < :v")
                .expressionAttributeNames(Map.of("#id", "_id", "#ver", "_version"))
                .expressionAttributeValues(Map.of(":v", AttributeValue.fromN(Long.toString(version)))).build();
    }

    private static double median(List<double[]> rows, int column) {
        double[] values = rows.stream().mapToDouble(r -> r[column]).sorted().toArray();
        return values.length == 0 ? Double.NaN : values[values.length / 2];
    }
}
