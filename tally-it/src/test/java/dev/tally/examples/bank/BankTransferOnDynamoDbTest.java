package dev.tally.examples.bank;

import dev.tally.core.spi.LedgerAdapter;
import dev.tally.dynamodb.DynamoDbLedger;
import dev.tally.dynamodb.DynamoDbLocalTestServer;
import dev.tally.dynamodb.DynamoDbTables;
import dev.tally.dynamodb.TableDefinitions;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** Transfers on DynamoDB Local: each group is one TransactWriteItems. */
class BankTransferOnDynamoDbTest extends BankTransferScenarios {
    private static final AtomicInteger TABLES = new AtomicInteger();

    @Override
    LedgerAdapter ledger() {
        DynamoDbClient client = DynamoDbLocalTestServer.client();
        String table = "bank-transfers-" + TABLES.incrementAndGet();
        DynamoDbTables.createIfMissing(client, TableDefinitions.ledger(table));
        return new DynamoDbLedger(client, table);
    }
}
