package dev.tally.core;

/**
 * Which part of a stream to read.
 *
 * @param fromVersion first version wanted (inclusive, >= 1)
 * @param toVersion   last version wanted (inclusive), {@code Long.MAX_VALUE} for "to the end"
 * @param reverse     newest first
 * @param limit       at most this many events, {@code Integer.MAX_VALUE} for all
 */
public record ReadOptions(long fromVersion, long toVersion, boolean reverse, int limit) {
    public static final ReadOptions ALL = new ReadOptions(1, Long.MAX_VALUE, false, Integer.MAX_VALUE);

    public ReadOptions {
        if (fromVersion < 1) {
            throw new IllegalArgumentException("fromVersion must be >= 1, got " + fromVersion);
        }
        if (toVersion < fromVersion - 1) {
            throw new IllegalArgumentException("toVersion (" + toVersion + ") must be >= fromVersion - 1 ("
                    + (fromVersion - 1) + ")");
        }
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be >= 1, got " + limit);
        }
    }

    public static ReadOptions from(long version) {
        return new ReadOptions(version, Long.MAX_VALUE, false, Integer.MAX_VALUE);
    }

    public static ReadOptions range(long from, long to) {
        return new ReadOptions(from, to, false, Integer.MAX_VALUE);
    }

    public static ReadOptions latest(int count) {
        return new ReadOptions(1, Long.MAX_VALUE, true, count);
    }

    public ReadOptions reversed() {
        return new ReadOptions(fromVersion, toVersion, !reverse, limit);
    }

    public ReadOptions limit(int max) {
        return new ReadOptions(fromVersion, toVersion, reverse, max);
    }

    public ReadOptions to(long version) {
        return new ReadOptions(fromVersion, version, reverse, limit);
    }

    /** True when the range can hold no event at all. */
    public boolean isEmptyRange() {
        return toVersion < fromVersion;
    }

    public boolean contains(long version) {
        return version >= fromVersion && version <= toVersion;
    }
}
