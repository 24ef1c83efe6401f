package dev.tally.testing;

import dev.tally.core.privacy.InMemoryWrappedKeyStore;
import dev.tally.core.spi.WrappedKeyStore;

class InMemoryWrappedKeyStoreContractTest extends WrappedKeyStoreContract {
    private final InMemoryWrappedKeyStore store = new InMemoryWrappedKeyStore();

    @Override
    protected WrappedKeyStore keys() {
        return store;
    }
}
