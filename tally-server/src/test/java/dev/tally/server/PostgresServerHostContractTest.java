package dev.tally.server;

import java.util.Map;

/** The same HTTP contract on PostgreSQL ({@link PostgresServeEngine}, a throwaway embedded server). */
class PostgresServerHostContractTest extends ServerHostContract {
    @Override
    protected ServeEngine.Factory engine() {
        return PostgresServeEngine.factory(null, null, Map.of());
    }
}
