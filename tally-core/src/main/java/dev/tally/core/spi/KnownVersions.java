package dev.tally.core.spi;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The highest version this process has seen stored, per stream, in a bounded LRU map. Ledger
 * adapters use it to skip the "is version N-1 stored?" check of an append on the hot path: a
 * command loads the head H, then appends H+1, and H is what was seen. Forgetting an entry only
 * costs that check once.
 *
 * <p>{@link #exists} vouches for the seen head only, never for the versions below it, and only for
 * {@link #MAX_AGE} (an hour) since the stream was last seen. Versions below a head may be gone:
 * the archiver deletes versions 1..H of a stream idle for at least a day and leaves its marker at
 * H+1 (docs/operations.md). A writer deciding on an old version k therefore never skips the check:
 * either its entry is for the head (k = H+1 or later), or it is older than an hour and forgotten,
 * or it names a higher version than k. The check then finds k archived and the append is refused.
 * Without archives nothing changes for the hot path; a stale writer, which conflicts anyway, pays
 * the check.
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

    /** True when {@code version} is the highest version seen of the stream, within the last hour. */
    public synchronized boolean exists(String stream, long version) {
        Seen s = highest.get(stream);
        if (s == null) {
            return false;
        }
        if (nanoTime.getAsLong() - s.atNanos() > maxAgeNanos) {
            highest.remove(stream);
            return false;
        }
        return s.version() == version;
    }
}
