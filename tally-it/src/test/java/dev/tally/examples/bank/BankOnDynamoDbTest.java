package dev.tally.examples.bank;

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
        DynamoDbLedger ledger = new DynamoDbLedger(client, "bank-ledger");
        DynamoDbSnapshotStore snapshots = new DynamoDbSnapshotStore(client, "bank-snapshots");
        // 8 "processes" (own store, own cache) racing through DynamoDB's conditional writes alone. 100 debits
        // each (the in-memory and PostgreSQL races take 250): twice the funds, so half of them lose, as there;
        // every debit over DynamoDB Local's HTTP costs a round trip per conflict, and 250 took a minute
        BankRace.run(t -> BankConcurrencyTest.racingStore(new DynamoDbLedger(client, "bank-ledger"), snapshots), 8, 100)
                .assertExact(400);
        // 8 threads of one process: commands take turns, the ledger sees no conflict
        BankRace.run(BankConcurrencyTest.store(ledger, snapshots), 8, 100).assertExact(400);
    }
}
