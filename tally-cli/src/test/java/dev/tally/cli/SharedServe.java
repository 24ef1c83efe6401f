package dev.tally.cli;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * One {@code tally serve} (the packaged jar, the example apps) per engine and test JVM, shared by
 * the integration tests that only read and write their own ids: each start costs seconds of JVM
 * start-up and app loading, which the suite paid once per class (or per test) before.
 *
 * <p>A class may use the shared server when it changes nothing that other classes can see: no
 * chaos, replay of everything, restart, kill, or server options of its own; and its ids are its
 * own (use {@link #id} for new ones; a fixed id must not be used by another class). Those that do
 * such things start their own {@link TallyProcess}. The server stops (SIGTERM, checked like
 * {@link TallyProcess#stop()}) when the test JVM exits.
 *
 * <pre>{@code
 * URI url = SharedServe.of(SharedServe.Engine.IN_MEMORY).url();
 * try (SharedServe.Lease tally = SharedServe.lease(SharedServe.Engine.IN_MEMORY)) { ... }  // close: no stop
 * }</pre>
 */
final class SharedServe {
    /**
     * A storage engine of {@code tally serve}: its name and the options that select it, given a
     * data directory of its own (which an in-memory engine ignores), and whether it offers
     * {@code --chaos}. Another engine is one more constant.
     */
    record Engine(String name, Function<Path, List<String>> options, boolean offersChaos) {
        static final Engine IN_MEMORY = new Engine("in-memory", data -> List.of("--in-memory"), true);
        static final Engine DYNAMODB_LOCAL = new Engine("dynamodb-local", data -> List.of("--data", data.toString()),
                true);
        /** The embedded PostgreSQL kept in the data directory. */
        static final Engine POSTGRES = new Engine("postgres",
                data -> List.of("--engine", "postgres", "--data", data.toString()), true);

        /** The engines that keep their data in a directory: the crash, privacy and restart suites run on each. */
        static List<Engine> onDisk() {
            return List.of(DYNAMODB_LOCAL, POSTGRES);
        }

        /** {@code serve} on this engine with its data in {@code data}, a free port, and {@code extra}. */
        TallyProcess serve(Path data, String... extra) throws Exception {
            List<String> args = new ArrayList<>(options.apply(data));
            args.addAll(List.of("--port", "0"));
            args.addAll(List.of(extra));
            return TallyProcess.serve(args.toArray(new String[0]));
        }

        @Override
        public String toString() {
            return name; // the name of a parameterized test's run
        }
    }

    private static final Map<String, TallyProcess> RUNNING = new ConcurrentHashMap<>();

    private SharedServe() {
    }

    /** The shared server on {@code engine}, started on first use (the example apps, a free port). */
    static synchronized TallyProcess of(Engine engine) throws Exception {
        TallyProcess running = RUNNING.get(engine.name());
        if (running != null && running.isAlive()) {
            return running;
        }
        TallyProcess started = engine.serve(Path.of("target", "shared-" + engine.name() + "-" + UUID.randomUUID()));
        if (RUNNING.isEmpty()) {
            Runtime.getRuntime().addShutdownHook(new Thread(SharedServe::stopAll, "shared-serve-stop"));
        }
        RUNNING.put(engine.name(), started);
        return started;
    }

    /** The shared server in a try-with-resources block whose end leaves it running. */
    record Lease(TallyProcess process) implements AutoCloseable {
        URI url() {
            return process.url();
        }

        @Override
        public void close() {
            // shared: it stops when the test JVM exits
        }
    }

    static Lease lease(Engine engine) throws Exception {
        return new Lease(of(engine));
    }

    /** A new aggregate id, unique to this run: {@code prefix} and eight random characters. */
    static String id(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static void stopAll() {
        for (Map.Entry<String, TallyProcess> e : RUNNING.entrySet()) {
            try {
                e.getValue().stop();
            } catch (Exception | Error failure) {
                // the JVM is exiting: say so where the report is read, on this fork's output
                System.err.println("the shared tally serve (" + e.getKey() + ") did not stop cleanly: " + failure
                        + "\n" + e.getValue().logTail(40));
            }
        }
    }
}
