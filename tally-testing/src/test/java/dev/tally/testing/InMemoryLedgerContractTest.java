package dev.tally.testing;

import dev.tally.core.ledger.LedgerAdapter;
import dev.tally.core.memory.InMemoryLedger;

class InMemoryLedgerContractTest extends LedgerAdapterContract {
    private final InMemoryLedger ledger = new InMemoryLedger();

    @Override
    protected LedgerAdapter ledger() {
        return ledger;
    }
}
