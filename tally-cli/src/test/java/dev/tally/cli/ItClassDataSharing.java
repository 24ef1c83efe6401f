package dev.tally.cli;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Class data sharing (AppCDS) for the JVMs the integration tests start: the first {@code tally}
 * process of a build is a short training serve that writes the classes it loaded from
 * {@code tally.jar} to an archive ({@code -XX:ArchiveClassesAtExit}); every later {@code tally}
 * process maps that archive instead of reading and verifying those classes again. A serve start
 * and stop takes about 1.5 s less CPU time with it (4.3 s against 2.8 s), and the suite starts
 * dozens of them. Only the build's test processes use it ({@code -Dtally.itCds=false} turns it off);
 * a user's {@code java -jar} is unchanged.
 *
 * <p>The archive is made once per build of {@code tally.jar} (its name carries the jar's size and
 * time) under a file lock, so the integration-test JVMs running side by side make it once. It is
 * used only once a JVM has started with it under {@code -Xshare:on} (which refuses an archive it
 * cannot map); if it cannot be made or fails that check, the processes start without it, as before,
 * and a line says why. A truncated archive can crash the JVM that maps it, so it is written under
 * another name and moved into place only after that check.
 */
final class ItClassDataSharing {
    private static final Path DIR = Path.of("target", "it-cds").toAbsolutePath();
    private static List<String> options;

    private ItClassDataSharing() {
    }

    /** The JVM options that map the archive, made on first use; none when it is off or could not be made. */
    static synchronized List<String> options() {
        if (options == null) {
            options = Boolean.parseBoolean(System.getProperty("tally.itCds", "false")) ? archiveOptions() : List.of();
        }
        return options;
    }

    private static List<String> archiveOptions() {
        try {
            Path jar = Path.of(System.getProperty("tally.jar", "target/tally.jar")).toAbsolutePath();
            if (!Files.isRegularFile(jar)) {
                return List.of(); // TallyProcess says the jar is missing
            }
            Files.createDirectories(DIR);
            String name = "tally-" + Files.size(jar) + "-" + Files.getLastModifiedTime(jar).toMillis();
            Path archive = DIR.resolve(name + ".jsa");
            Path failed = DIR.resolve(name + ".failed");
            try (FileChannel lockFile = FileChannel.open(DIR.resolve("lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE); FileLock lock = lockFile.lock()) {
                if (Files.isRegularFile(failed)) {
                    return List.of();
                }
                if (!Files.isRegularFile(archive)) {
                    String why = make(archive);
                    if (why != null) {
                        Files.writeString(failed, why, StandardCharsets.UTF_8);
                        System.out.println("class data sharing for the tally processes left out: " + why);
                        return List.of();
                    }
                }
            }
            return using(archive);
        } catch (Exception e) {
            System.out.println("class data sharing for the tally processes left out: " + e);
            return List.of();
        }
    }

    /** Maps {@code archive} if it can; says nothing when it cannot (the JVM then loads the classes itself). */
    private static List<String> using(Path archive) {
        return List.of("-XX:SharedArchiveFile=" + archive, "-Xshare:auto", "-Xlog:cds=off", "-Xlog:cds+dynamic=off");
    }

    /** Trains and checks a new archive, then moves it to {@code archive}; the reason when it could not. */
    private static String make(Path archive) throws Exception {
        Path written = DIR.resolve("training-" + ProcessHandle.current().pid() + ".jsa");
        Files.deleteIfExists(written);
        Path data = DIR.resolve("training-data-" + ProcessHandle.current().pid());
        try (TallyProcess training = TallyProcess.serveWithJvm(List.of("-XX:ArchiveClassesAtExit=" + written),
                "--data", data.toString(), "--port", "0")) {
            Http http = new Http(training.url());
            for (int i = 0; i < 5; i++) {
                http.post("/api/accounts/cds-training-" + i + "/credit", "{\"amount\": 5}");
                http.post("/api/counters/cds-training/increment", "{}");
            }
            http.get("/api/openapi.json");
            http.get("/api/pipeline");
        }
        if (!Files.isRegularFile(written)) {
            return "the training serve wrote no archive";
        }
        List<String> check = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        check.addAll(TallyProcess.jvmOptions());
        check.addAll(List.of("-XX:SharedArchiveFile=" + written, "-Xshare:on", "-jar",
                Path.of(System.getProperty("tally.jar", "target/tally.jar")).toString(), "--help"));
        Process p = new ProcessBuilder(check).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return "a JVM started with the archive did not end";
        }
        if (p.exitValue() != 0 || out.contains("warning")) {
            return "a JVM could not start with the archive (exit " + p.exitValue() + "):\n" + out;
        }
        Files.move(written, archive, StandardCopyOption.ATOMIC_MOVE);
        deleteTree(data);
        return null;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
