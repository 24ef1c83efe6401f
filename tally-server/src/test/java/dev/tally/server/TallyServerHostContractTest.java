package dev.tally.server;

/**
 * {@code tally serve}'s host keeps the HTTP contract on the local stack (DynamoDB Local in memory,
 * its stream, the local EventBridge).
 */
class TallyServerHostContractTest extends ServerHostContract {
    @Override
    protected ServeEngine.Factory engine() {
        return LocalEngine.FACTORY;
    }
}
