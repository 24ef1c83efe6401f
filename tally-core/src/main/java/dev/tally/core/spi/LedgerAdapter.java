package dev.tally.core.spi;

import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.ledger.DuplicateCommand;
import dev.tally.core.ledger.EventTooLarge;
import dev.tally.core.ledger.GroupTooLarge;
import dev.tally.core.ledger.VersionConflict;
import dev.tally.core.ledger.VersionGap;
import java.util.List;

/**
 * Where events live: one ledger can hold many event stores, keyed by (store, aggregateId, version).
 *
 * <p>Every adapter keeps these rules (the {@code LedgerAdapterContract} in tally-testing checks them):
 * <ul>
 *   <li>{@link #append} writes all events of the list or none of them;</li>
 *   <li>a version that is already stored raises {@link VersionConflict} and is never overwritten;</li>
 *   <li>a version N whose N-1 is not stored (and N is not 1) raises {@link VersionGap};</li>
 *   <li>reads are strongly consistent: an append that returned is visible to the next read;</li>
 *   <li>a stream holds at most one event whose metadata carries a given command id
 *       ({@link dev.tally.core.EventMetadata#COMMAND_ID}, on the first event of a command): an append
 *       whose event repeats one raises {@link DuplicateCommand} and writes nothing, atomically with
 *       the version check.</li>
 * </ul>
 */
public interface LedgerAdapter {

    /**
     * Appends events atomically. The list may hold events of several streams (an event group);
     * events of one stream must be in ascending, contiguous version order.
     *
     * @throws VersionConflict when a version is already stored
     * @throws VersionGap      when the version before one of them is not stored
     * @throws EventTooLarge   when one event is over the adapter's size limit
     * @throws GroupTooLarge   when the list is over the adapter's transaction limit
     */
    void append(List<RecordedEvent> events);

    /** Reads part of one stream; an unknown stream reads as empty. */
    List<RecordedEvent> read(String store, String aggregateId, ReadOptions options);

    /**
     * Lists the aggregate ids of a store that have at least one event, in a stable order
     * (adapters document theirs), one page at a time.
     */
    Page<String> listAggregateIds(String store, PageRequest request);

    /**
     * The events a command appended to a stream: the event carrying the command id and the
     * {@link dev.tally.core.EventMetadata#COMMAND_EVENTS} events from it; empty when no event of
     * the stream carries it. The default reads the whole stream; adapters with an index look it up.
     */
    default List<RecordedEvent> commandEvents(String store, String aggregateId, String commandId) {
        List<RecordedEvent> all = read(store, aggregateId, ReadOptions.ALL);
        for (int i = 0; i < all.size(); i++) {
            if (commandId.equals(all.get(i).metadata().attributes().get(dev.tally.core.EventMetadata.COMMAND_ID))) {
                String n = all.get(i).metadata().attributes().get(dev.tally.core.EventMetadata.COMMAND_EVENTS);
                int count = n == null ? 1 : Integer.parseInt(n);
                return List.copyOf(all.subList(i, Math.min(all.size(), i + count)));
            }
        }
        return List.of();
    }

    /** A short name for messages and metrics, e.g. "dynamodb:tally-ledger". */
    default String describe() {
        return getClass().getSimpleName();
    }

    /**
     * Checks the shape of an append before any I/O: non-empty, and events of one stream in
     * ascending contiguous order. Adapters call it first.
     */
    static void checkAppendShape(List<RecordedEvent> events) {
        if (events == null || events.isEmpty()) {
            throw new IllegalArgumentException("append needs at least one event");
        }
        java.util.Map<String, Long> last = new java.util.HashMap<>();
        for (RecordedEvent e : events) {
            String key = e.store() + "\u0000" + e.aggregateId();
            Long previous = last.put(key, e.version());
            if (previous != null && e.version() != previous + 1) {
                throw new IllegalArgumentException("events of " + e.store() + "/" + e.aggregateId()
                        + " in one append must have contiguous ascending versions: " + previous + " then "
                        + e.version());
            }
        }
    }
}
