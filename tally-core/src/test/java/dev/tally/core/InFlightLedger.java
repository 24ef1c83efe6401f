package dev.tally.core;

import dev.tally.core.ledger.OutcomeUnknown;
import dev.tally.core.spi.LedgerAdapter;
import java.util.List;

/**
 * A ledger whose first append gets no answer ({@link OutcomeUnknown}) while the request is still in
 * flight: it lands when {@link #land()} is called, or, when made to, just before the next append is
 * sent (the command's own retry then loses the race to it).
 */
final class InFlightLedger extends ForwardingLedger {
    private final boolean landsBeforeNextAppend;
    private List<RecordedEvent> inFlight;
    private boolean first = true;

    InFlightLedger(LedgerAdapter inner, boolean landsBeforeNextAppend) {
        super(inner);
        this.landsBeforeNextAppend = landsBeforeNextAppend;
    }

    synchronized void land() {
        if (inFlight != null) {
            super.append(inFlight);
            inFlight = null;
        }
    }

    @Override
    public synchronized void append(List<RecordedEvent> events) {
        if (first) {
            first = false;
            inFlight = events;
            RecordedEvent e = events.get(0);
            throw new OutcomeUnknown(e.store(), e.aggregateId(), "an append", null);
        }
        if (landsBeforeNextAppend) {
            land();
        }
        super.append(events);
    }
}
