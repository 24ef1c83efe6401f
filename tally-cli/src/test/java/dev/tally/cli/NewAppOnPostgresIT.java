package dev.tally.cli;

import static dev.tally.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.app.TallyApp;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * A {@code tally new} app on {@code tally serve --engine postgres --data DIR}: the scaffold's sources
 * compiled here against this build's tally-core (no nested Maven build) into an app jar; its cart
 * commands under load, its projection, its hold saga with a durable timer; kill -9 of serve, which
 * leaves the embedded PostgreSQL running, stopped and recovered by the next start; nothing
 * acknowledged lost, every view converged, the timer fired; then a SIGTERM that stops the embedded
 * PostgreSQL with serve.
 */
class NewAppOnPostgresIT {

    @Test
    void aNewProjectsAppSurvivesKill9OnTheEmbeddedPostgresAndStopsWithIt() throws Exception {
        Path work = Path.of("target", "it-new-pg-" + UUID.randomUUID());
        Path jar = scaffoldJar(work);
        Path data = work.resolve("data");
        String[] serve = {"--engine", "postgres", "--app", jar.toString()};

        List<String> carts = List.of("c0", "c1", "c2", "c3", "c4");
        List<AckedCommands.Ack> acks;
        Instant holdEnds;
        ProcessHandle orphan;
        try (TallyProcess first = TallyProcess.serveOn(data, serve)) {
            Http http = new Http(first.url());
            assertThat(http.post("/api/stores/cart/held/commands/AddItem", "{\"sku\": \"pear\", \"quantity\": 1}")
                    .status()).isEqualTo(200);
            AckedCommands clients = new AckedCommands().start(first.url(), 4, carts,
                    id -> "/api/stores/cart/" + id + "/commands/AddItem",
                    (id, n) -> "{\"sku\": \"sku-" + n + "\", \"quantity\": " + (1 + n % 7) + "}");
            eventually(Duration.ofSeconds(60), () -> assertThat(clients.count()).isGreaterThan(60));

            // the hold last, so that only the wait for its timer (not the clients' warm-up, whatever this
            // machine's speed) stands between it and the kill
            holdEnds = Instant.now().plusSeconds(15);
            Http.Answer hold = http.post("/api/stores/cart/held/commands/Hold", "{\"until\": \"" + holdEnds + "\"}");
            assertThat(hold.status()).as(hold.statusAndBody()).isEqualTo(200);
            eventually(Duration.ofSeconds(60), () -> assertThat(json(http, "/api/stores/cart-hold/held/aggregate")
                    .path("state").path("timerSet").asBoolean()).as("the hold's timer is stored").isTrue());
            orphan = AckedCommands.postmaster(data).orElseThrow();
            assertThat(first.kill()).isEqualTo(137);
            acks = clients.stop();
        }
        assertThat(orphan.isAlive()).as("a kill -9 of serve leaves its PostgreSQL running").isTrue();
        assertThat(Instant.now()).as("killed before the hold ends").isBefore(holdEnds);

        ProcessHandle postmaster;
        try (TallyProcess second = TallyProcess.serveOn(data, serve)) {
            assertThat(orphan.isAlive()).as("the next start stopped the PostgreSQL left running").isFalse();
            assertThat(second.output()).anyMatch(l -> l.contains("left running") && l.contains("" + orphan.pid()));
            postmaster = AckedCommands.postmaster(data).orElseThrow();
            Http http = new Http(second.url());
            assertThat(AckedCommands.missing(http, "cart", acks)).as("acknowledged AddItems").isEmpty();
            eventually(Duration.ofSeconds(90), () -> {
                JsonNode report = json(http, "POST", "/api/verify");
                assertThat(report.get("converged").asBoolean()).as(report.toString()).isTrue();
                for (String id : carts) {
                    JsonNode view = json(http, "/api/views/cart-summary/" + id);
                    long head = json(http, "/api/stores/cart/" + id + "/aggregate").get("version").asLong();
                    assertThat(view.get("version").asLong()).as(id).isEqualTo(head);
                }
                JsonNode held = json(http, "/api/stores/cart/held/aggregate").get("state");
                assertThat(held.get("heldUntil").isNull()).as("the saga released the hold: " + held).isTrue();
            });
            second.stop();
        }
        eventually(Duration.ofSeconds(30), () -> assertThat(postmaster.isAlive())
                .as("the embedded PostgreSQL stops with serve").isFalse());
        assertThat(data.resolve("postgres/data/postmaster.pid")).doesNotExist();
    }

    private static JsonNode json(Http http, String path) {
        return json(http, "GET", path);
    }

    private static JsonNode json(Http http, String method, String path) {
        try {
            Http.Answer a = method.equals("GET") ? http.get(path) : http.post(path, "");
            assertThat(a.status()).as(path + ": " + a.statusAndBody()).isEqualTo(200);
            return a.json();
        } catch (Exception e) {
            throw new AssertionError(path, e);
        }
    }

    /** {@code tally new shop}, its main sources compiled against this build's tally-core, as an app jar. */
    static Path scaffoldJar(Path work) throws Exception {
        Path shop = work.resolve("shop");
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setOut(new PrintWriter(new StringWriter(), true));
        cl.setErr(new PrintWriter(err, true));
        assertThat(cl.execute("new", shop.toString(), "--package", "com.acme.shop")).as(err.toString()).isZero();
        Path classes = work.resolve("classes");
        Files.createDirectories(classes);
        List<String> sources;
        try (Stream<Path> files = Files.walk(shop.resolve("src/main/java"))) {
            sources = files.filter(p -> p.toString().endsWith(".java")).map(Path::toString).toList();
        }
        JavaCompiler javac = Optional.ofNullable(ToolProvider.getSystemJavaCompiler())
                .orElseThrow(() -> new IllegalStateException("this test compiles the scaffold: run it on a JDK"));
        String core = Path.of(TallyApp.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        StringWriter out = new StringWriter();
        List<String> options = new java.util.ArrayList<>(List.of("-d", classes.toString(), "-classpath", core,
                "--release", "17", "-proc:none"));
        options.addAll(sources);
        int code = javac.run(null, new WriterStream(out), new WriterStream(out), options.toArray(new String[0]));
        assertThat(code).as("compiling the scaffold:\n" + out).isZero();
        Path jar = work.resolve("shop.jar");
        try (JarOutputStream j = new JarOutputStream(Files.newOutputStream(jar))) {
            add(j, classes);
            add(j, shop.resolve("src/main/resources"));
        }
        return jar;
    }

    private static void add(JarOutputStream jar, Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                jar.putNextEntry(new JarEntry(root.relativize(f).toString().replace('\\', '/')));
                Files.copy(f, jar);
                jar.closeEntry();
            }
        }
    }

    /** javac's output into a StringWriter. */
    private static final class WriterStream extends OutputStream {
        private final StringWriter to;

        WriterStream(StringWriter to) {
            this.to = to;
        }

        @Override
        public void write(int b) {
            to.write(b);
        }
    }
}
