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
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for table " + name, e);
            }
        }
    }
}
