package dev.tally.core.ledger;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The highest version this process has seen stored, per stream, in a bounded LRU map. Ledger
 * adapters use it to skip the "is version N-1 stored?" check of an append on the hot path (a
 * command loads before it appends); forgetting an entry only costs that check once.
 *
 * <p>Sound because a version once stored stays taken: events are never deleted, except by the
 * archiver, which deletes versions 1..H of a stream only when its last event is older than
 * {@code Archiver.MIN_IDLE} (a day) and leaves the marker at H+1. An entry is therefore trusted for
 * {@link #MAX_AGE} (an hour) since the stream was last seen: any sighting within a day of the archive
 * saw version H (the stream was idle), so an entry that still claims a version below H is older
 * than an hour and forgotten, and the append it would have skipped checks N-1, finds it archived
 * and is refused (docs/operations.md).
 */
public final class KnownVersions {
    /** How long an entry is trusted after the stream was last seen. */
    public static final Duration MAX_AGE = Duration.ofHours(1);

    private record Seen(long version, long atNanos) {
    }

    private final Map<String, Seen> highest;
    private final LongSupplier nanoTime;
    private final long maxAgeNanos;

    public KnownVersions(int capacity) {
        this(capacity, MAX_AGE, System::nanoTime);
    }

    public KnownVersions(int capacity, Duration maxAge, LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        this.maxAgeNanos = maxAge.toNanos();
        this.highest = new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Seen> eldest) {
                return size() > capacity;
            }
        };
    }

    public synchronized void noteExists(String stream, long version) {
        long now = nanoTime.getAsLong();
        Seen s = highest.get(stream);
        highest.put(stream, new Seen(s == null || now - s.atNanos() > maxAgeNanos ? version
                : Math.max(version, s.version()), now));
    }

    public synchronized boolean exists(String stream, long version) {
        Seen s = highest.get(stream);
        if (s == null) {
            return false;
        }
        if (nanoTime.getAsLong() - s.atNanos() > maxAgeNanos) {
            highest.remove(stream);
            return false;
        }
        return s.version() >= version;
    }
}
