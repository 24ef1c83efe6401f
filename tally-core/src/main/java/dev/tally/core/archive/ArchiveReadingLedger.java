package dev.tally.core.archive;

import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.spi.LedgerAdapter;
import dev.tally.core.spi.PrunableLedger;
import dev.tally.core.ledger.VersionConflict;
import dev.tally.core.ledger.VersionGap;
import dev.tally.core.spi.ArchiveStore;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A ledger whose archived history reads as if it were still there: a read the ledger answers
 * without the versions it asked for (they were moved to the archive, 1..H, and the marker stands
 * at H+1) is completed from the {@link ArchiveStore}. Reads the ledger answers in full cost
 * nothing more; a read that reaches below the first stored version costs one more ledger read (the
 * first stored event) and one archive fetch.
 *
 * <p>Appends go to the ledger unchanged. An append below an archived head finds its N-1 missing:
 * the ledger refuses it with a {@link VersionGap}, which this ledger reports as the
 * {@link VersionConflict} it is (the writer decided on an old state and must reload). Version 1
 * has no N-1: the first append of a stream costs one read here, to refuse it when the stream was
 * archived, unless the archive says it holds nothing of the stream ({@link ArchiveStore#mayHold}: a
 * file lookup for a directory).
 */
public final class ArchiveReadingLedger implements PrunableLedger {
    private final LedgerAdapter ledger;
    private final ArchiveStore archive;

    public ArchiveReadingLedger(LedgerAdapter ledger, ArchiveStore archive) {
        this.ledger = Objects.requireNonNull(ledger, "ledger");
        this.archive = Objects.requireNonNull(archive, "archive");
    }

    public LedgerAdapter ledger() {
        return ledger;
    }

    public ArchiveStore archive() {
        return archive;
    }

    @Override
    public void append(List<RecordedEvent> events) {
        // version 1 has no N-1 to find missing: a stream archived whole would take a new v1 in a store
        // whose conditional write sees the deleted key as free, so a new stream's first append checks
        for (RecordedEvent e : events) {
            if (e.version() == 1 && archive.mayHold(e.store(), e.aggregateId())) {
                long first = firstStoredVersion(e.store(), e.aggregateId());
                if (first > 1) {
                    throw new VersionConflict(e.store(), e.aggregateId(), 1, "versions 1.." + (first - 1)
                            + " are archived and the stream goes on at v" + first + "; load the aggregate again");
                }
            }
        }
        try {
            ledger.append(events);
        } catch (VersionGap gap) {
            long first = firstStoredVersion(gap.store(), gap.aggregateId());
            if (first > gap.attemptedVersion()) {
                throw new VersionConflict(gap.store(), gap.aggregateId(), gap.attemptedVersion(), "versions 1.."
                        + (first - 1) + " are archived and the stream goes on at v" + first
                        + "; load the aggregate again");
            }
            throw gap;
        }
    }

    @Override
    public List<RecordedEvent> read(String store, String aggregateId, ReadOptions o) {
        List<RecordedEvent> got = ledger.read(store, aggregateId, o);
        if (!mayMiss(got, o)) {
            return got;
        }
        long first = firstStoredVersion(store, aggregateId);
        if (first <= 1 || first <= o.fromVersion()) {
            return got; // nothing archived below what was asked
        }
        long archivedThrough = first - 1;
        long to = Math.min(o.toVersion(), archivedThrough);
        List<RecordedEvent> archived = new ArrayList<>();
        for (RecordedEvent e : archive.get(store, aggregateId)) {
            if (e.version() >= o.fromVersion() && e.version() <= to) {
                archived.add(e);
            }
        }
        long expected = to - o.fromVersion() + 1;
        if (archived.size() != expected) {
            throw new IllegalStateException(store + "/" + aggregateId + ": versions 1.." + archivedThrough
                    + " are not in the ledger, and the archive " + archive.describe() + " holds " + archived.size()
                    + " of the " + expected + " asked for (v" + o.fromVersion() + "..v" + to + "). Check the archive"
                    + " location this ledger is given");
        }
        List<RecordedEvent> stored = new ArrayList<>(got);
        if (o.reverse()) {
            Collections.reverse(stored); // oldest first while merging
        }
        stored.removeIf(e -> e.version() <= archivedThrough);
        List<RecordedEvent> all = new ArrayList<>(archived);
        all.addAll(stored);
        if (o.reverse()) {
            Collections.reverse(all);
        }
        return all.size() > o.limit() ? List.copyOf(all.subList(0, o.limit())) : all;
    }

    /** Whether the ledger's answer may lack versions below what it holds. */
    private static boolean mayMiss(List<RecordedEvent> got, ReadOptions o) {
        if (got.isEmpty()) {
            // an archived stream keeps its marker, so an open-ended read that finds nothing is past the head
            return o.toVersion() != Long.MAX_VALUE;
        }
        if (!o.reverse()) {
            return got.get(0).version() > o.fromVersion();
        }
        return got.size() < o.limit() && got.get(got.size() - 1).version() > o.fromVersion();
    }

    /** The first version the ledger holds for a stream (1 when nothing was archived; 0 when it has none). */
    private long firstStoredVersion(String store, String aggregateId) {
        List<RecordedEvent> first = ledger.read(store, aggregateId, new ReadOptions(1, Long.MAX_VALUE, false, 1));
        return first.isEmpty() ? 0 : first.get(0).version();
    }

    @Override
    public Page<String> listAggregateIds(String store, PageRequest request) {
        return ledger.listAggregateIds(store, request);
    }

    @Override
    public List<RecordedEvent> commandEvents(String store, String aggregateId, String commandId) {
        List<RecordedEvent> found = ledger.commandEvents(store, aggregateId, commandId);
        if (!found.isEmpty() || !archive.mayHold(store, aggregateId) || firstStoredVersion(store, aggregateId) <= 1) {
            return found; // nothing of the stream is archived: the ledger's answer is whole
        }
        // a command's events are appended together, so they are all archived or all stored
        return PrunableLedger.super.commandEvents(store, aggregateId, commandId);
    }

    @Override
    public void deleteThrough(String store, String aggregateId, long version) {
        if (!(ledger instanceof PrunableLedger prunable)) {
            throw new UnsupportedOperationException("the ledger " + ledger.describe() + " cannot drop archived events");
        }
        prunable.deleteThrough(store, aggregateId, version);
    }

    @Override
    public String describe() {
        return ledger.describe() + " archived to " + archive.describe();
    }
}
