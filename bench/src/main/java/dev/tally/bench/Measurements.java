package dev.tally.bench;

import java.util.Arrays;
import java.util.Locale;

/** Small helpers shared by the workload benchmarks: rates, percentiles, aligned output. */
public final class Measurements {
    private Measurements() {
    }

    /** Operations per second. */
    public static double rate(long operations, long nanos) {
        return operations / (nanos / 1e9);
    }

    /** The p-th percentile (0-100) of latencies in nanoseconds, in milliseconds. */
    public static double percentileMillis(long[] nanos, double p) {
        if (nanos.length == 0) {
            return Double.NaN;
        }
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1e6;
    }

    public static String format(double value) {
        return String.format(Locale.ROOT, "%.1f", value);
    }

    /** Prints one progress or result line and flushes, so long runs show they are alive. */
    public static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
