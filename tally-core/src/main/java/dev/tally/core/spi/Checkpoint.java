package dev.tally.core.spi;

import java.util.Objects;

/**
 * How far one named consumer has read: its id and the position of the last thing it finished. The
 * one checkpoint type of every {@link CheckpointStore}, whether the position is a global-log
 * position (PostgreSQL, the in-memory ledger) or a stream shard's sequence number (DynamoDB
 * Streams, whose sequence numbers are decimal strings longer than a {@code long}).
 *
 * <p>A consumer that has read nothing yet is at {@link Position#START}; a restart resumes after
 * the loaded position.
 */
public record Checkpoint(String id, Position position) {
    public Checkpoint {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("a checkpoint needs the name of the consumer it belongs to, such as"
                    + " 'projections' or 'stream:shardId-000001'; got " + (id == null ? "none" : "'" + id + "'"));
        }
        Objects.requireNonNull(position, "position");
    }

    /** Nothing read yet: the consumer starts at the beginning (the log's start, the shard's horizon). */
    public static Checkpoint start(String id) {
        return new Checkpoint(id, Position.START);
    }

    /** At a global-log position. */
    public static Checkpoint at(String id, long position) {
        return new Checkpoint(id, Position.of(position));
    }

    /** At a stream sequence number, kept exactly as the stream wrote it. */
    public static Checkpoint at(String id, String sequenceNumber) {
        return new Checkpoint(id, Position.of(sequenceNumber));
    }

    /** The same consumer at another position. */
    public Checkpoint movedTo(Position to) {
        return new Checkpoint(id, to);
    }

    public Checkpoint movedTo(long to) {
        return movedTo(Position.of(to));
    }

    /** True when nothing was read yet. */
    public boolean isStart() {
        return position.isStart();
    }

    @Override
    public String toString() {
        return id + "@" + position;
    }

    /**
     * A position: a whole number of any length, written in decimal digits. Global-log positions
     * are {@code long}s; shard sequence numbers are kept verbatim (leading zeros included) because
     * the stream expects them back exactly as it wrote them. Positions are ordered by their numeric
     * value, so {@code "9" < "10"} and {@code "00123"} sits where {@code 123} does.
     */
    public record Position(String value) implements Comparable<Position> {
        /** Before everything: nothing read yet. */
        public static final Position START = new Position("0");

        public Position {
            Objects.requireNonNull(value, "value");
            if (value.isEmpty() || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new IllegalArgumentException("a checkpoint position is a whole number written in digits, such"
                        + " as 42 or 000000000000000000117; got '" + value + "'");
            }
        }

        public static Position of(long position) {
            if (position < 0) {
                throw new IllegalArgumentException("a checkpoint position is 0 or more, got " + position);
            }
            return position == 0 ? START : new Position(Long.toString(position));
        }

        public static Position of(String value) {
            return new Position(value);
        }

        /** True when nothing was read yet (the position is zero). */
        public boolean isStart() {
            return significant(value).isEmpty();
        }

        /** The position as a global-log position. */
        public long asLong() {
            String digits = significant(value);
            if (digits.length() > 19 || (digits.length() == 19 && digits.compareTo(Long.toString(Long.MAX_VALUE)) > 0)) {
                throw new IllegalArgumentException("the checkpoint position " + value + " is larger than a global-log"
                        + " position can be (at most " + Long.MAX_VALUE + "): it is a stream sequence number, which"
                        + " this store cannot keep; store it where stream checkpoints are kept");
            }
            return digits.isEmpty() ? 0 : Long.parseLong(digits);
        }

        public boolean isAfter(Position other) {
            return compareTo(other) > 0;
        }

        @Override
        public int compareTo(Position other) {
            String a = significant(value);
            String b = significant(other.value);
            return a.length() != b.length() ? Integer.compare(a.length(), b.length()) : a.compareTo(b);
        }

        private static String significant(String digits) {
            int i = 0;
            while (i < digits.length() && digits.charAt(i) == '0') {
                i++;
            }
            return digits.substring(i);
        }

        @Override
        public String toString() {
            return value;
        }
    }
}
