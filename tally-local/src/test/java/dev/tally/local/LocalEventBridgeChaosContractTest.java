package dev.tally.local;

import dev.tally.core.internal.Chaos;

/** The bus contract with 30% duplicates, delays and reordering on the local EventBridge. */
class LocalEventBridgeChaosContractTest extends LocalEventBridgeContractTest {
    @Override
    protected Chaos chaos() {
        return Chaos.typical();
    }
}
