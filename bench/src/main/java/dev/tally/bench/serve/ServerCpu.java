package dev.tally.bench.serve;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The CPU time a server has used: its JVM (and anything it started) and, on PostgreSQL, the
 * embedded postmaster and its backends (found by the pid file in the data directory, as
 * {@link ResidentSet} finds them). The CPU a step cost per accepted command is the figure that
 * moves least when other work shares the machine: throughput on a loaded machine is the server's
 * share of the cores divided by this cost. A backend that exits during a step takes its CPU time
 * with it (a pooled server keeps its connections, so this undercounts little).
 */
record ServerCpu(Duration jvm, Duration database) {

    static ServerCpu of(ProcessHandle server, Path dataDir) {
        Duration db = Duration.ZERO;
        Path pidFile = dataDir.resolve("postgres/data/postmaster.pid");
        try {
            if (Files.isRegularFile(pidFile)) {
                long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
                db = ProcessHandle.of(pid).map(ServerCpu::tree).orElse(Duration.ZERO);
            }
        } catch (IOException | RuntimeException e) {
            // stopped meanwhile
        }
        return new ServerCpu(tree(server), db);
    }

    private static Duration tree(ProcessHandle process) {
        Duration sum = process.info().totalCpuDuration().orElse(Duration.ZERO);
        try (Stream<ProcessHandle> children = process.descendants()) {
            for (ProcessHandle p : (Iterable<ProcessHandle>) children::iterator) {
                sum = sum.plus(p.info().totalCpuDuration().orElse(Duration.ZERO));
            }
        }
        return sum;
    }

    /** "CPU per command: 1.23 ms (JVM 0.90, database 0.33)" of what was used since {@code before}. */
    String perCommand(ServerCpu before, long commands) {
        if (commands <= 0) {
            return "CPU per command: n/a";
        }
        double jvmMs = (jvm.toNanos() - before.jvm.toNanos()) / 1e6 / commands;
        double dbMs = (database.toNanos() - before.database.toNanos()) / 1e6 / commands;
        return String.format(Locale.ROOT, "server CPU per command %.2f ms (JVM %.2f, database %.2f)", jvmMs + dbMs,
                jvmMs, dbMs);
    }

    /** This JVM's CPU time (the benchmark's client, which shares the cores with the server). */
    static Duration client() {
        return ProcessHandle.current().info().totalCpuDuration().orElse(Duration.ZERO);
    }

    /** "client CPU per command 0.80 ms" of what this JVM used since {@code before}. */
    static String clientPerCommand(Duration before, long commands) {
        return commands <= 0 ? "client CPU per command: n/a" : String.format(Locale.ROOT,
                "client CPU per command %.2f ms", (client().toNanos() - before.toNanos()) / 1e6 / commands);
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }
}
