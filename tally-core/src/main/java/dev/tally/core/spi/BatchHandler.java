package dev.tally.core.spi;

import dev.tally.core.RecordedEvent;
import dev.tally.core.runtime.Dispatcher;
import java.util.List;

/** Handles a batch from a change feed; returns how many events, from the start, are done. */
@FunctionalInterface
public interface BatchHandler {
    int handle(List<RecordedEvent> batch) throws Exception;

    /** Feeds a dispatcher: done up to its first failure. */
    static BatchHandler of(Dispatcher dispatcher) {
        return batch -> dispatcher.dispatch(batch).published();
    }
}
