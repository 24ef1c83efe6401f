package dev.tally.examples.bank;

import dev.tally.core.EventStore;
import dev.tally.dynamodb.DynamoDbLedger;
import dev.tally.dynamodb.DynamoDbLocalTestServer;
import dev.tally.dynamodb.DynamoDbSnapshotStore;
import dev.tally.dynamodb.DynamoDbTables;
import dev.tally.dynamodb.TableDefinitions;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** The foundation's race on the DynamoDB ledger (DynamoDB Local over HTTP): same outcome. */
class BankOnDynamoDbTest {

    @Test
    void eightThreadsOfDebitsOnTheDynamoDbLedger() throws Exception {
        DynamoDbClient client = DynamoDbLocalTestServer.client();
        DynamoDbTables.createIfMissing(client, TableDefinitions.ledger("bank-ledger"));
        DynamoDbTables.createIfMissing(client, TableDefinitions.snapshots("bank-snapshots"));
        EventStore<Account> store = BankConcurrencyTest.store(new DynamoDbLedger(client, "bank-ledger"),
                new DynamoDbSnapshotStore(client, "bank-snapshots"));
        BankRace.run(store, 8, 250).assertExact(1000);
    }
}
