package dev.tally.otel;

import dev.tally.core.spi.Telemetry;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The event-to-view lag of the last minutes, per projection, in fixed slots (10 s each, 30 of
 * them: five minutes): how many views were written in each slot, their mean and their largest
 * lag. What the dashboard draws; a histogram in a metrics registry cannot say "the last minutes".
 */
public final class RecentLag implements Telemetry {
    public static final int SLOT_SECONDS = 10;
    public static final int SLOTS = 30;

    /** One slot: views written in it, and their lag. */
    public record Point(Instant start, long count, long meanMillis, long maxMillis) {
    }

    private final Clock clock;
    private final Map<String, Ring> rings = new ConcurrentHashMap<>();

    public RecentLag(Clock clock) {
        this.clock = clock;
    }

    public RecentLag() {
        this(Clock.systemUTC());
    }

    @Override
    public void viewWritten(String projection, Instant eventTime) {
        long now = clock.millis();
        Ring r = rings.get(projection);
        if (r == null) {
            r = rings.computeIfAbsent(projection, p -> new Ring());
        }
        r.add(now / 1000 / SLOT_SECONDS, Math.max(0, now - eventTime.toEpochMilli()));
    }

    /** Per projection, the slots of the last five minutes, oldest first (empty slots with count 0). */
    public Map<String, List<Point>> recent() {
        long current = clock.millis() / 1000 / SLOT_SECONDS;
        Map<String, List<Point>> out = new TreeMap<>();
        rings.forEach((projection, ring) -> out.put(projection, ring.points(current)));
        return out;
    }

    private static final class Ring {
        private final long[] slot = new long[SLOTS];
        private final long[] count = new long[SLOTS];
        private final long[] sum = new long[SLOTS];
        private final long[] max = new long[SLOTS];

        synchronized void add(long s, long lagMillis) {
            int i = (int) Math.floorMod(s, (long) SLOTS);
            if (slot[i] != s) {
                slot[i] = s;
                count[i] = 0;
                sum[i] = 0;
                max[i] = 0;
            }
            count[i]++;
            sum[i] += lagMillis;
            max[i] = Math.max(max[i], lagMillis);
        }

        synchronized List<Point> points(long current) {
            List<Point> out = new ArrayList<>(SLOTS);
            for (long s = current - SLOTS + 1; s <= current; s++) {
                int i = (int) Math.floorMod(s, (long) SLOTS);
                Instant start = Instant.ofEpochSecond(s * SLOT_SECONDS);
                out.add(slot[i] == s && count[i] > 0
                        ? new Point(start, count[i], sum[i] / count[i], max[i]) : new Point(start, 0, 0, 0));
            }
            return out;
        }
    }
}
