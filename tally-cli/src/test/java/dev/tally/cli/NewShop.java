package dev.tally.cli;

import java.io.File;
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
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The shop that {@code tally new shop --package com.acme.shop} makes, built by its own Maven build
 * ({@code mvn -o package}, its tests included) once per build of {@code tally.jar} and shared by
 * the integration tests that start from it: {@link NewProjectIT} checks that build and then changes
 * a {@link #copy}, {@link ConsoleIT} serves its jar. The integration-test JVMs run side by side, so
 * the first one to ask makes it under a file lock and the others read what it left in
 * {@code target/} (the output of {@code tally new}, the build's exit code and log).
 */
final class NewShop {
    /** What {@code tally new} printed and the project's first build; the project itself, not to be changed. */
    record Made(Path project, TallyProcess.Finished created, Build packaged) {
        Path jar() {
            return project.resolve("target/shop-0.1.0-SNAPSHOT.jar");
        }
    }

    /** One Maven run in a new project: its exit code, and its output (also kept under target/). */
    record Build(int exitCode, String log, Path logFile) {
        String tail(int lines) {
            List<String> all = log.lines().toList();
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        }

        String failure() {
            return "the new project's build failed (whole log: " + logFile.toAbsolutePath() + "). If Maven could not"
                    + " resolve dev.tally artifacts, Tally is not installed in the local Maven repository: the test"
                    + " command (./test, mvn install) installs tally-bom, tally-core and tally-testing before this"
                    + " test runs. Last lines:\n" + tail(60);
        }
    }

    private static Made made;

    private NewShop() {
    }

    /** The shop, made and packaged on first use (by this or another test JVM of the build). */
    static synchronized Made packaged(Path mvn) throws Exception {
        if (made != null) {
            return made;
        }
        Path jar = Path.of(System.getProperty("tally.jar", "target/tally.jar")).toAbsolutePath();
        Path dir = Path.of("target", "new-shop-" + Files.size(jar) + "-" + Files.getLastModifiedTime(jar).toMillis())
                .toAbsolutePath();
        Files.createDirectories(dir);
        Path project = dir.resolve("shop");
        Path createdOutput = dir.resolve("tally-new.txt");
        Path createdExit = dir.resolve("tally-new.exit");
        Path packageLog = dir.resolve("package.log");
        Path packageExit = dir.resolve("package.exit");
        try (FileChannel lockFile = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock lock = lockFile.lock()) {
            if (!Files.isRegularFile(createdExit)) {
                TallyProcess.Finished created = TallyProcess.run(Map.of(), "new", project.toString(), "--package",
                        "com.acme.shop");
                Files.writeString(createdOutput, created.output(), StandardCharsets.UTF_8);
                Files.writeString(createdExit, Integer.toString(created.exitCode()));
            }
            TallyProcess.Finished created = new TallyProcess.Finished(Integer.parseInt(Files.readString(createdExit)),
                    Files.readString(createdOutput, StandardCharsets.UTF_8));
            if (created.exitCode() == 0 && !Files.isRegularFile(packageExit)) {
                Build build = maven(mvn, project, packageLog, "package");
                Files.writeString(packageExit, Integer.toString(build.exitCode()));
            }
            Build packaged = Files.isRegularFile(packageExit)
                    ? new Build(Integer.parseInt(Files.readString(packageExit)),
                            Files.readString(packageLog, StandardCharsets.UTF_8), packageLog)
                    : new Build(-1, "not built: tally new failed", packageLog);
            made = new Made(project, created, packaged);
            return made;
        }
    }

    /** A copy of the made project (with its build's output) at {@code to}, to change and build again. */
    static Path copy(Made made, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(made.project())) {
            for (Path from : (Iterable<Path>) paths::iterator) {
                Path target = to.resolve(made.project().relativize(from).toString());
                if (Files.isDirectory(from)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(from, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        return to;
    }

    /**
     * {@code mvn -B -o GOALS} in {@code project}, from the local repository this build installs into,
     * with its output in {@code log}.
     */
    static Build maven(Path mvn, Path project, Path log, String... goals) throws Exception {
        List<String> command = new ArrayList<>(List.of(mvn.toString(), "-B", "-o"));
        String repository = System.getProperty("tally.localRepository", "");
        if (!repository.isBlank()) {
            // the repository this build installs into (~/.m2/repository unless the build was told otherwise)
            command.add("-Dmaven.repo.local=" + repository);
        }
        command.addAll(List.of(goals));
        Files.createDirectories(log.getParent());
        ProcessBuilder builder = new ProcessBuilder(command).directory(project.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        // Maven's own JVM with the options the build gives the processes its tests start (TallyProcess)
        String mavenOpts = (System.getenv().getOrDefault("MAVEN_OPTS", "") + " "
                + String.join(" ", TallyProcess.jvmOptions())).strip();
        if (!mavenOpts.isEmpty()) {
            builder.environment().put("MAVEN_OPTS", mavenOpts);
        }
        Process p = builder.start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " in " + project + " did not end within 10"
                    + " minutes; its output is in " + log);
        }
        return new Build(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8), log);
    }

    /** Maven on the PATH ({@code mvn}, or {@code mvn.cmd} on Windows), if there is one. */
    static Optional<Path> mavenOnPath() {
        boolean windows = System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).startsWith("windows");
        String path = Optional.ofNullable(System.getenv("PATH")).orElse("");
        try (Stream<String> dirs = Stream.of(path.split(File.pathSeparator))) {
            return dirs.filter(d -> !d.isBlank()).map(d -> Path.of(d, windows ? "mvn.cmd" : "mvn"))
                    .filter(Files::isExecutable).findFirst();
        }
    }
}
