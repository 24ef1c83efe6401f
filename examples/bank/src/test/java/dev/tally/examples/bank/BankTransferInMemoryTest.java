package dev.tally.examples.bank;

import dev.tally.core.ledger.LedgerAdapter;
import dev.tally.core.memory.InMemoryLedger;

/** Transfers on the in-memory ledger. */
class BankTransferInMemoryTest extends BankTransferScenarios {
    @Override
    LedgerAdapter ledger() {
        return new InMemoryLedger();
    }
}
