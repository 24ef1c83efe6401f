package dev.tally.postgres;

import dev.tally.core.spi.WrappedKeyStore;
import dev.tally.testing.WrappedKeyStoreContract;

/** The wrapped-key contract on a real PostgreSQL. */
class PostgresWrappedKeyStoreContractTest extends WrappedKeyStoreContract {
    private static final PostgresWrappedKeyStore STORE = PostgresWrappedKeyStore.createIfMissing(
            TestDatabase.dataSource(), TestDatabase.emptySchema("data_keys_contract"));

    @Override
    protected WrappedKeyStore keys() {
        return STORE;
    }
}
