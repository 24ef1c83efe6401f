package dev.tally.core.memory;

import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.spi.GlobalLog;
import dev.tally.core.spi.LoggedEvent;
import dev.tally.core.spi.LedgerAdapter;
import dev.tally.core.ledger.VersionConflict;
import dev.tally.core.ledger.VersionGap;
import dev.tally.core.query.EventFilter;
import dev.tally.core.query.EventPosition;
import dev.tally.core.query.EventQueries;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A ledger in memory, for tests and for running the whole pipeline in one JVM. Keeps every rule of
 * {@link LedgerAdapter} (one lock makes appends atomic) and is also a {@link GlobalLog} whose
 * positions are 1, 2, 3... in append order. Aggregate ids list in order of their first event.
 */
public final class InMemoryLedger implements LedgerAdapter, GlobalLog, dev.tally.core.spi.PrunableLedger,
        EventQueries {
    private final Map<String, List<RecordedEvent>> streams = new HashMap<>();
    private final Map<String, List<String>> idsByStore = new HashMap<>();
    private final List<RecordedEvent> log = new ArrayList<>();
    private final Map<String, Long> commands = new HashMap<>(); // store, id, command id -> first version
    private final List<Runnable> appendListeners = new CopyOnWriteArrayList<>();

    @Override
    public void append(List<RecordedEvent> events) {
        LedgerAdapter.checkAppendShape(events);
        synchronized (this) {
            Map<String, Long> heads = new LinkedHashMap<>();
            for (RecordedEvent e : events) {
                String key = key(e.store(), e.aggregateId());
                long head = heads.computeIfAbsent(key, k -> (long) streams.getOrDefault(k, List.of()).size());
                if (e.version() <= head) {
                    RecordedEvent existing = streams.get(key).get((int) e.version() - 1);
                    if (existing == null) { // archived: deleted by deleteThrough, still taken
                        throw new VersionConflict(e.store(), e.aggregateId(), e.version(), "version " + e.version()
                                + " is archived");
                    }
                    throw new VersionConflict(e.store(), e.aggregateId(), e.version(), existing);
                }
                if (e.version() > head + 1) {
                    throw new VersionGap(e.store(), e.aggregateId(), e.version(), head);
                }
                heads.put(key, e.version());
                String commandId = e.metadata().attributes().get(dev.tally.core.EventMetadata.COMMAND_ID);
                if (commandId != null && commands.containsKey(key + "\u0000" + commandId)) {
                    throw new dev.tally.core.ledger.DuplicateCommand(e.store(), e.aggregateId(), commandId);
                }
            }
            for (RecordedEvent e : events) {
                String key = key(e.store(), e.aggregateId());
                List<RecordedEvent> stream = streams.computeIfAbsent(key, k -> new ArrayList<>());
                if (stream.isEmpty()) {
                    idsByStore.computeIfAbsent(e.store(), s -> new ArrayList<>()).add(e.aggregateId());
                }
                stream.add(e);
                log.add(e);
                String commandId = e.metadata().attributes().get(dev.tally.core.EventMetadata.COMMAND_ID);
                if (commandId != null) {
                    commands.put(key + "\u0000" + commandId, e.version());
                }
            }
        }
        appendListeners.forEach(Runnable::run);
    }

    @Override
    public synchronized List<RecordedEvent> read(String store, String aggregateId, ReadOptions o) {
        List<RecordedEvent> stream = streams.getOrDefault(key(store, aggregateId), List.of());
        int from = (int) Math.min(stream.size(), Math.max(0, o.fromVersion() - 1));
        int to = (int) Math.min(stream.size(), o.toVersion());
        if (to <= from) {
            return List.of();
        }
        List<RecordedEvent> slice = new ArrayList<>(stream.subList(from, to));
        slice.removeIf(java.util.Objects::isNull); // archived versions (deleteThrough)
        if (o.reverse()) {
            Collections.reverse(slice);
        }
        return slice.size() > o.limit() ? List.copyOf(slice.subList(0, o.limit())) : slice;
    }

    /**
     * Drops archived versions from the stream (the global log keeps them: positions never move). The
     * versions stay taken: an append at one of them is a conflict, as before.
     */
    @Override
    public synchronized void deleteThrough(String store, String aggregateId, long version) {
        List<RecordedEvent> stream = streams.getOrDefault(key(store, aggregateId), List.of());
        for (int i = 0; i < Math.min(version, stream.size()); i++) {
            stream.set(i, null);
        }
    }

    /** Ids in order of their first event; the cursor is the index of the next id. */
    @Override
    public synchronized Page<String> listAggregateIds(String store, PageRequest request) {
        List<String> ids = idsByStore.getOrDefault(store, List.of());
        int from = request.cursor() == null ? 0 : parseCursor(request.cursor());
        int to = Math.min(ids.size(), from + request.size());
        List<String> items = from >= ids.size() ? List.of() : List.copyOf(ids.subList(from, to));
        return new Page<>(items, to < ids.size() ? Integer.toString(to) : null);
    }

    @Override
    public synchronized List<LoggedEvent> readAfter(long position, int limit) {
        List<LoggedEvent> out = new ArrayList<>();
        for (long p = position + 1; p <= log.size() && out.size() < limit; p++) {
            out.add(new LoggedEvent(p, log.get((int) p - 1)));
        }
        return out;
    }

    /** Scans every stored event (archived ones are gone from their streams, so not found). */
    @Override
    public synchronized Page<RecordedEvent> find(EventFilter filter, PageRequest request) {
        EventPosition after = request.cursor() == null ? null : EventPosition.fromCursor(request.cursor());
        List<RecordedEvent> found = new ArrayList<>();
        for (List<RecordedEvent> stream : streams.values()) {
            for (RecordedEvent e : stream) {
                if (e != null && filter.matches(e) && (after == null || EventPosition.of(e).compareTo(after) > 0)) {
                    found.add(e);
                }
            }
        }
        found.sort(EventPosition.EVENT_ORDER);
        if (found.size() <= request.size()) {
            return new Page<>(found, null);
        }
        List<RecordedEvent> page = found.subList(0, request.size());
        return new Page<>(page, EventPosition.of(page.get(page.size() - 1)).cursor());
    }

    /** Runs after every successful append (outside the lock), e.g. to wake a subscription. */
    public void onAppend(Runnable listener) {
        appendListeners.add(listener);
    }

    /** How many events are stored, all stores together. */
    public synchronized int size() {
        return log.size();
    }

    @Override
    public String describe() {
        return "in-memory";
    }

    private static int parseCursor(String cursor) {
        try {
            return Integer.parseInt(cursor);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid page cursor '" + cursor + "': pass back the nextCursor of"
                    + " the previous page unchanged");
        }
    }

    private static String key(String store, String id) {
        return store + "\u0000" + id;
    }
}
