package dev.tally.dynamodb;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableRequest;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;

/** Creates Tally's tables when they are missing (for tests and local runs; production uses the template). */
public final class DynamoDbTables {
    private static final Logger LOG = LoggerFactory.getLogger(DynamoDbTables.class);

    private DynamoDbTables() {
    }

    /** Creates the table unless it exists, then waits until it is ACTIVE. Safe to call concurrently. */
    public static void createIfMissing(DynamoDbClient client, TableDefinitions.TableDefinition table) {
        try {
            client.describeTable(DescribeTableRequest.builder().tableName(table.name()).build());
        } catch (ResourceNotFoundException missing) {
            try {
                client.createTable(table.createTableRequest());
                LOG.info("created DynamoDB table {}", table.name());
            } catch (ResourceInUseException raced) {
                // someone else created it meanwhile
            }
        }
        awaitActive(client, table.name(), Duration.ofSeconds(60));
        addMissingIndexes(client, table);
    }

    /**
     * Adds the indexes a table made by an earlier version lacks (a local data directory kept across
     * upgrades), one at a time as DynamoDB requires; events written before are not in them.
     */
    private static void addMissingIndexes(DynamoDbClient client, TableDefinitions.TableDefinition table) {
        for (TableDefinitions.GsiDefinition gsi : table.gsis()) {
            var described = client.describeTable(DescribeTableRequest.builder().tableName(table.name()).build()).table();
            if (described.globalSecondaryIndexes().stream().anyMatch(i -> i.indexName().equals(gsi.name()))) {
                continue;
            }
            try {
                client.updateTable(b -> b.tableName(table.name())
                        .attributeDefinitions(table.createTableRequest().attributeDefinitions())
                        .globalSecondaryIndexUpdates(u -> u.create(c -> c.indexName(gsi.name())
                                .keySchema(gsi.index().keySchema()).projection(gsi.index().projection()))));
                LOG.info("added index {} to DynamoDB table {}", gsi.name(), table.name());
            } catch (ResourceInUseException raced) {
                // another process is adding it
            }
            awaitIndex(client, table.name(), gsi.name(), Duration.ofSeconds(120));
        }
    }

    private static void awaitIndex(DynamoDbClient client, String table, String index, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (client.describeTable(DescribeTableRequest.builder().tableName(table).build()).table()
                .globalSecondaryIndexes().stream().noneMatch(i -> i.indexName().equals(index)
                        && i.indexStatus() == software.amazon.awssdk.services.dynamodb.model.IndexStatus.ACTIVE)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("index " + index + " of DynamoDB table " + table + " is not active"
                        + " after " + timeout.toSeconds() + " s; check the table in the console");
            }
            sleep(table);
        }
    }

    private static void awaitActive(DynamoDbClient client, String name, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            TableStatus status = client.describeTable(DescribeTableRequest.builder().tableName(name).build())
                    .table().tableStatus();
            if (status == TableStatus.ACTIVE) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("DynamoDB table " + name + " is still " + status + " after "
                        + timeout.toSeconds() + " s; check the table in the console");
            }
            sleep(name);
        }
    }

    private static void sleep(String table) {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for table " + table, e);
        }
    }
}
