package dev.tally.dynamodb;

import dev.tally.core.spi.TimerStore;
import dev.tally.testing.TimerStoreContract;

/** The timer store contract on DynamoDB Local over HTTP: each store a new instance on the same table. */
class DynamoDbTimerStoreContractTest extends TimerStoreContract {
    private static final String TABLE = "contract-timers";

    @Override
    protected TimerStore openStore() {
        DynamoDbTables.createIfMissing(DynamoDbLocalTestServer.client(), TableDefinitions.keyValue(TABLE));
        return new DynamoDbTimerStore(DynamoDbLocalTestServer.client(), TABLE);
    }
}
