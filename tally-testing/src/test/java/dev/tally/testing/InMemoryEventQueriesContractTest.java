package dev.tally.testing;

import dev.tally.core.spi.LedgerAdapter;
import dev.tally.core.memory.InMemoryLedger;
import dev.tally.core.query.EventQueries;

class InMemoryEventQueriesContractTest extends EventQueriesContract {
    private final InMemoryLedger ledger = new InMemoryLedger();

    @Override
    protected LedgerAdapter ledger() {
        return ledger;
    }

    @Override
    protected EventQueries queries() {
        return ledger;
    }
}
