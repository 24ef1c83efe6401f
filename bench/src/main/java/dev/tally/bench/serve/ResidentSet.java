package dev.tally.bench.serve;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The memory a server holds: the proportional set size (Pss, from {@code /proc/PID/smaps_rollup})
 * of its process and every process it started (the embedded PostgreSQL's postmaster and backends),
 * so pages they share are counted once. The postmaster is found by its pid file in the data
 * directory ({@code DIR/postgres/data/postmaster.pid}): pg_ctl detaches it from the JVM. Linux only;
 * 0 where it cannot be read.
 */
final class ResidentSet {
    private final Thread sampler;
    private final AtomicLong maxKb = new AtomicLong();
    private volatile boolean running = true;

    private final Path dataDir;

    private ResidentSet(ProcessHandle process, Path dataDir) {
        this.dataDir = dataDir;
        sampler = new Thread(() -> {
            while (running) {
                maxKb.accumulateAndGet(kilobytes(process, dataDir), Math::max);
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "rss-sampler");
        sampler.setDaemon(true);
        sampler.start();
    }

    static ResidentSet sample(ProcessHandle process, Path dataDir) {
        return new ResidentSet(process, dataDir);
    }

    void stop() {
        running = false;
        sampler.interrupt();
    }

    double maxMegabytes() {
        return maxKb.get() / 1024.0;
    }

    static double megabytes(ProcessHandle process, Path dataDir) {
        return kilobytes(process, dataDir) / 1024.0;
    }

    private static long kilobytes(ProcessHandle process, Path dataDir) {
        long kb = tree(process);
        Path pidFile = dataDir.resolve("postgres/data/postmaster.pid");
        try {
            if (Files.isRegularFile(pidFile)) {
                long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
                kb += ProcessHandle.of(pid).map(ResidentSet::tree).orElse(0L);
            }
        } catch (IOException | RuntimeException e) {
            // stopped meanwhile
        }
        return kb;
    }

    private static long tree(ProcessHandle process) {
        long kb = pss(process.pid());
        try (Stream<ProcessHandle> children = process.descendants()) {
            kb += children.mapToLong(p -> pss(p.pid())).sum();
        }
        return kb;
    }

    private static long pss(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "smaps_rollup"))) {
                if (line.startsWith("Pss:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone, or not Linux
        }
        return 0;
    }
}
