package dev.tally.dynamodb;

import dev.tally.core.spi.WrappedKeyStore;
import dev.tally.testing.WrappedKeyStoreContract;

/** The wrapped-key contract on DynamoDB Local over HTTP. */
class DynamoDbWrappedKeyStoreContractTest extends WrappedKeyStoreContract {
    private final DynamoDbWrappedKeyStore store =
            DynamoDbWrappedKeyStore.createIfMissing(DynamoDbLocalTestServer.client(), "contract-wrapped-keys");

    @Override
    protected WrappedKeyStore keys() {
        return store;
    }
}
