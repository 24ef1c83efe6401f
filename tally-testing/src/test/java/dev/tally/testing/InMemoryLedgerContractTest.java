package dev.tally.testing;

import dev.tally.core.spi.LedgerAdapter;
import dev.tally.core.memory.InMemoryLedger;

class InMemoryLedgerContractTest extends LedgerAdapterContract {
    private final InMemoryLedger ledger = new InMemoryLedger();

    @Override
    protected LedgerAdapter ledger() {
        return ledger;
    }
}
