package dev.tally.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A project that imports only {@code tally-bom} resolves the AWS SDK, Jackson and the HTTP client
 * libraries at exactly the versions Tally is built and tested with (issue 23: a Lambda jar whose
 * {@code sdk-core}/{@code aws-core} came at 2.51.3 through {@code eventbridge} beside {@code dynamodb}
 * 2.57.8 failed at every cold start with {@code NoSuchMethodError}).
 *
 * <p>Maven resolves a minimal project (import {@code tally-bom}, depend on {@code tally-aws}) offline
 * with {@code dependency:tree}, which reads only POMs; every artifact of the watched groups must have
 * the version this build's own classpath has (Tally's set). The second test resolves the old BOM's
 * shape (Tally's artifacts pinned, nothing else) and requires the check to report the mixed SDK: the
 * proof that the first test can fail.
 */
class TallyBomIT {
    /** The groups whose versions must agree with Tally's, as directories of a Maven repository. */
    private static final List<String> WATCHED = List.of("software.amazon.awssdk", "com.fasterxml.jackson",
            "io.netty", "org.apache.httpcomponents");
    private static final Pattern NODE = Pattern.compile("([\\w.\\-]+):([\\w.\\-]+):[\\w\\-]+(?::[\\w.\\-]+)?:"
            + "([\\w.\\-]+):(?:compile|runtime|provided|test|system)");

    static Path mvn;
    static Map<String, String> tally;

    @TempDir
    Path tmp;

    @BeforeAll
    static void tallysOwnVersions() {
        String path = Optional.ofNullable(System.getenv("PATH")).orElse("");
        try (Stream<String> dirs = Stream.of(path.split(File.pathSeparator))) {
            mvn = dirs.filter(d -> !d.isBlank()).map(d -> Path.of(d, "mvn")).filter(Files::isExecutable).findFirst()
                    .orElse(null);
        }
        Assumptions.assumeTrue(mvn != null, "TallyBomIT resolves a project with Maven: Maven is not on the PATH;"
                + " install Maven 3.8+ (e.g. sudo apt-get install maven) to run it");
        // the test class path (Failsafe puts it there; java.class.path may hold only its booter jar)
        tally = classpathVersions(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        assertThat(tally).as("this build's classpath, the versions Tally is tested with")
                .containsKeys("software.amazon.awssdk:sdk-core", "software.amazon.awssdk:dynamodb",
                        "com.fasterxml.jackson.core:jackson-databind");
    }

    @Test
    void aProjectImportingOnlyTallyBomResolvesTallysVersions() throws Exception {
        Map<String, String> resolved = resolve(project("new", """
                <dependency><groupId>dev.tally</groupId><artifactId>tally-bom</artifactId><version>%s</version>
                  <type>pom</type><scope>import</scope></dependency>
                """));
        assertThat(resolved).containsKeys("software.amazon.awssdk:sdk-core", "software.amazon.awssdk:aws-core",
                "software.amazon.awssdk:dynamodb", "software.amazon.awssdk:eventbridge",
                "com.fasterxml.jackson.core:jackson-databind");
        assertThat(mismatches(resolved)).as("versions a tally-bom project resolves that differ from Tally's").isEmpty();
    }

    @Test
    void theOldBomShapeMixesSdkVersionsAndIsReported() throws Exception {
        String version = ProjectTemplate.versions().get("tallyVersion");
        StringBuilder pins = new StringBuilder();
        for (String a : List.of("tally-core", "tally-dynamodb", "tally-http", "tally-aws")) {
            pins.append("<dependency><groupId>dev.tally</groupId><artifactId>").append(a)
                    .append("</artifactId><version>").append(version).append("</version></dependency>\n");
        }
        Map<String, String> resolved = resolve(project("old", pins.toString()));
        assertThat(mismatches(resolved)).as("the old BOM (Tally's artifacts only) let Maven's nearest-wins rule take"
                + " sdk-core through eventbridge; if Tally's eventbridge and sqs pins now equal awssdk.version, this"
                + " shape no longer mixes and the proof needs another example").anySatisfy(m ->
                assertThat(m).startsWith("software.amazon.awssdk:sdk-core "));
    }

    /** Each watched artifact resolved at another version than Tally's, or that Tally's set does not have. */
    static List<String> mismatches(Map<String, String> resolved) {
        List<String> out = new ArrayList<>();
        resolved.forEach((ga, v) -> {
            if (WATCHED.stream().anyMatch(g -> ga.startsWith(g + ".") || ga.startsWith(g + ":"))) {
                String expected = tally.get(ga);
                if (!v.equals(expected)) {
                    out.add(ga + " " + v + " (Tally: " + (expected == null ? "not used" : expected) + ")");
                }
            }
        });
        return out;
    }

    /** A project depending on tally-aws with no version, its dependencyManagement holding {@code managed}. */
    private Path project(String name, String managed) throws Exception {
        String version = ProjectTemplate.versions().get("tallyVersion");
        Path dir = tmp.resolve(name);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("pom.xml"), """
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>example</groupId><artifactId>bom-check</artifactId><version>1</version>
                  <dependencyManagement><dependencies>
                %s  </dependencies></dependencyManagement>
                  <dependencies>
                    <dependency><groupId>dev.tally</groupId><artifactId>tally-aws</artifactId></dependency>
                  </dependencies>
                </project>
                """.formatted(managed.formatted(version)));
        return dir;
    }

    /** The resolved graph of the project (groupId:artifactId to version), offline, from POMs only. */
    private static Map<String, String> resolve(Path project) throws Exception {
        List<String> command = new ArrayList<>(List.of(mvn.toString(), "-B", "-o", "-q"));
        String repository = System.getProperty("tally.localRepository", "");
        if (!repository.isBlank()) {
            command.add("-Dmaven.repo.local=" + repository);
        }
        command.addAll(List.of("org.apache.maven.plugins:maven-dependency-plugin:3.8.1:tree",
                "-DoutputFile=" + project.resolve("tree.txt")));
        Path log = project.resolve("mvn.log");
        Process p = new ProcessBuilder(command).directory(project.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " did not end within 5 minutes");
        }
        assertThat(p.exitValue()).as("mvn dependency:tree in " + project + " (Tally must be installed in the local"
                + " repository: ./test installs it first):\n" + Files.readString(log)).isZero();
        Map<String, String> out = new TreeMap<>();
        Matcher m = NODE.matcher(Files.readString(project.resolve("tree.txt"), StandardCharsets.UTF_8));
        while (m.find()) {
            out.put(m.group(1) + ":" + m.group(2), m.group(3));
        }
        return out;
    }

    /** groupId:artifactId to version of every jar on a class path laid out as a Maven repository. */
    static Map<String, String> classpathVersions(String classPath) {
        Map<String, String> out = new TreeMap<>();
        for (String entry : classPath.split(File.pathSeparator)) {
            Path jar = Path.of(entry);
            // .../group/dirs/artifact/version/artifact-version.jar
            if (jar.getNameCount() < 4 || !entry.endsWith(".jar")) {
                continue;
            }
            String version = jar.getParent().getFileName().toString();
            String artifact = jar.getParent().getParent().getFileName().toString();
            if (!jar.getFileName().toString().startsWith(artifact + "-" + version)) {
                continue;
            }
            Path groupDir = jar.getParent().getParent().getParent();
            for (String g : WATCHED) {
                String tail = g.replace('.', File.separatorChar);
                String dir = groupDir.toString();
                int at = dir.indexOf(File.separator + tail);
                if (at >= 0) {
                    out.put(dir.substring(at + 1).replace(File.separatorChar, '.') + ":" + artifact, version);
                }
            }
        }
        return out;
    }
}
