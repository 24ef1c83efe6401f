package dev.tally.core.archive;

import dev.tally.core.Aggregate;
import dev.tally.core.EventMetadata;
import dev.tally.core.EventStore;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.StreamArchived;
import dev.tally.core.spi.KnownVersions;
import dev.tally.core.ledger.VersionConflict;
import dev.tally.core.spi.ArchiveStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Moves the history of idle aggregates to an {@link ArchiveStore}, one stream at a time:
 * <ol>
 *   <li>the stream's events 1..H (archived ones included) are written to the archive as one object
 *       and read back;</li>
 *   <li>the marker {@link StreamArchived} is appended at H+1, conditionally: a stream written to in
 *       the meantime is left alone;</li>
 *   <li>a snapshot at H+1 is saved (when the store has a snapshot store), so loads read no archive;</li>
 *   <li>versions 1..H are deleted from the ledger.</li>
 * </ol>
 * A crash between any two steps leaves a stream that reads the same; running the archiver again
 * finishes the job (a stream whose head is a marker has its archived versions deleted if any remain).
 * The event store must be built on an {@link ArchiveReadingLedger} over the same archive.
 */
public final class Archiver {
    /** What archiving one stream did. {@code archivedThrough} is 0 when it was left alone. */
    public record Outcome(String aggregateId, long archivedThrough, Kind kind) {
    }

    public enum Kind {
        /** Events moved, marker and snapshot written, ledger pruned. */
        ARCHIVED,
        /** A previous run's marker was there; the archived versions left in the ledger were deleted. */
        FINISHED,
        /** Its last event is newer than the idle time. */
        ACTIVE,
        /** Its head is a marker already and nothing is left to delete. */
        ALREADY_ARCHIVED,
        /** It was written to while being archived; left alone, try again later. */
        CHANGED,
        /** No events. */
        EMPTY
    }

    /**
     * The shortest idle time an archive takes: far longer than {@link KnownVersions#MAX_AGE}, so no
     * writer still trusts a version it saw before the stream went idle.
     */
    public static final Duration MIN_IDLE = Duration.ofDays(1);

    private final ArchiveReadingLedger ledger;
    private final Clock clock;

    public Archiver(ArchiveReadingLedger ledger, Clock clock) {
        this.ledger = Objects.requireNonNull(ledger, "ledger");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (!(ledger.ledger() instanceof dev.tally.core.spi.PrunableLedger)) {
            throw new IllegalArgumentException("the ledger " + ledger.ledger().describe() + " cannot drop archived"
                    + " events (it is not a PrunableLedger), so nothing can be archived from it");
        }
    }

    /** Archives one stream if its last event is at least {@code idle} old. */
    public <S> Outcome archive(EventStore<S> store, String aggregateId, Duration idle) {
        if (idle.compareTo(MIN_IDLE) < 0) {
            throw new IllegalArgumentException("archive only streams idle for at least a day (got " + idle + "):"
                    + " writers trust a version they saw for up to " + KnownVersions.MAX_AGE.toMinutes() + " minutes");
        }
        if (store.ledger() != ledger) {
            throw new IllegalArgumentException("event store '" + store.name() + "' must be built on the archiver's"
                    + " ArchiveReadingLedger, so that archived history stays readable");
        }
        List<RecordedEvent> head = store.read(aggregateId, ReadOptions.latest(1));
        if (head.isEmpty()) {
            return new Outcome(aggregateId, 0, Kind.EMPTY);
        }
        RecordedEvent last = head.get(0);
        String name = store.name();
        if (StreamArchived.TYPE_NAME.equals(last.type())) {
            long through = last.version() - 1;
            List<RecordedEvent> firstStored = ledger.ledger().read(name, aggregateId,
                    new ReadOptions(1, Long.MAX_VALUE, false, 1));
            if (!firstStored.isEmpty() && firstStored.get(0).version() <= through) {
                requireArchived(name, aggregateId, through);
                ledger.deleteThrough(name, aggregateId, through);
                return new Outcome(aggregateId, through, Kind.FINISHED);
            }
            return new Outcome(aggregateId, through, Kind.ALREADY_ARCHIVED);
        }
        Instant now = clock.instant();
        if (last.timestamp().isAfter(now.minus(idle))) {
            return new Outcome(aggregateId, 0, Kind.ACTIVE);
        }
        long h = last.version();
        List<RecordedEvent> events = store.read(aggregateId, ReadOptions.range(1, h));
        if (events.size() != h || events.get(0).version() != 1) {
            throw new IllegalStateException(name + "/" + aggregateId + ": read " + events.size() + " events for"
                    + " versions 1.." + h + "; the stream is not whole, nothing was archived");
        }
        ledger.archive().put(name, aggregateId, events);
        requireArchived(name, aggregateId, h);
        Aggregate<S> aggregate = store.loadAt(aggregateId, h);
        try {
            store.append(aggregateId, h, List.of(new StreamArchived(h, ledger.archive().describe())),
                    EventMetadata.empty().withActor("tally-archive"));
        } catch (VersionConflict written) {
            return new Outcome(aggregateId, 0, Kind.CHANGED);
        }
        store.snapshotStore().ifPresent(s -> s.save(store.snapshotOf(
                new Aggregate<>(aggregateId, h + 1, aggregate.state()))));
        ledger.deleteThrough(name, aggregateId, h);
        return new Outcome(aggregateId, h, Kind.ARCHIVED);
    }

    private void requireArchived(String store, String aggregateId, long through) {
        List<RecordedEvent> back = ledger.archive().get(store, aggregateId);
        if (back.size() < through || back.get((int) through - 1).version() != through) {
            throw new IllegalStateException("the archive " + ledger.archive().describe() + " does not hold versions 1.."
                    + through + " of " + store + "/" + aggregateId + " (read back " + back.size()
                    + " events); nothing was deleted");
        }
    }
}
