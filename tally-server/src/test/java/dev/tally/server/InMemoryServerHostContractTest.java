package dev.tally.server;

/** The same HTTP contract on the in-memory pipeline ({@link InMemoryEngine}). */
class InMemoryServerHostContractTest extends ServerHostContract {
    @Override
    protected ServeEngine.Factory engine() {
        return InMemoryEngine.FACTORY;
    }
}
