package dev.tally.testing;

import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.spi.LedgerAdapter;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** Wraps a ledger and counts what goes through it, to prove how much a load reads. */
public final class CountingLedger implements LedgerAdapter {
    private final LedgerAdapter delegate;
    private final AtomicLong reads = new AtomicLong();
    private final AtomicLong eventsRead = new AtomicLong();
    private final AtomicLong appends = new AtomicLong();

    public CountingLedger(LedgerAdapter delegate) {
        this.delegate = delegate;
    }

    @Override
    public void append(List<RecordedEvent> events) {
        delegate.append(events);
        appends.incrementAndGet();
    }

    @Override
    public List<RecordedEvent> read(String store, String aggregateId, ReadOptions options) {
        List<RecordedEvent> out = delegate.read(store, aggregateId, options);
        reads.incrementAndGet();
        eventsRead.addAndGet(out.size());
        return out;
    }

    @Override
    public Page<String> listAggregateIds(String store, PageRequest request) {
        return delegate.listAggregateIds(store, request);
    }

    public long reads() {
        return reads.get();
    }

    public long eventsRead() {
        return eventsRead.get();
    }

    public long appends() {
        return appends.get();
    }

    public void reset() {
        reads.set(0);
        eventsRead.set(0);
        appends.set(0);
    }
}
