package dev.tally.core;

import dev.tally.core.spi.LedgerAdapter;
import java.util.List;

/**
 * A ledger that forwards every call to another: a test overrides only the calls it changes (an
 * answer lost, a write still in flight, a ledger down for a while, a crash around an append) and
 * the rest reach the ledger underneath unchanged. In tally-core's test-jar for other modules' tests.
 */
public class ForwardingLedger implements LedgerAdapter {
    private final LedgerAdapter inner;

    public ForwardingLedger(LedgerAdapter inner) {
        this.inner = inner;
    }

    @Override
    public void append(List<RecordedEvent> events) {
        inner.append(events);
    }

    @Override
    public List<RecordedEvent> read(String store, String aggregateId, ReadOptions options) {
        return inner.read(store, aggregateId, options);
    }

    @Override
    public Page<String> listAggregateIds(String store, PageRequest request) {
        return inner.listAggregateIds(store, request);
    }

    @Override
    public List<RecordedEvent> commandEvents(String store, String aggregateId, String commandId) {
        return inner.commandEvents(store, aggregateId, commandId);
    }
}
