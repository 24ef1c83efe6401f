package dev.tally.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.cli.OpsTestApp.Add;
import dev.tally.cli.OpsTestApp.Count;
import dev.tally.cli.OpsTestApp.Total;
import dev.tally.core.EventStore;
import dev.tally.core.PageRequest;
import dev.tally.core.projection.Versioned;
import dev.tally.dynamodb.DynamoDbLedger;
import dev.tally.dynamodb.DynamoDbProjectionWriter;
import dev.tally.dynamodb.DynamoDbTables;
import dev.tally.dynamodb.TableDefinitions;
import dev.tally.local.LocalDynamoDb;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * {@code tally rebuild} as its own process, killed with SIGKILL in the middle, then run again: the
 * second run resumes at the last page the first one saved (it sends again at most the page it was
 * in) and every view ends up as the fold says.
 */
class RebuildKillTest {
    static final Pattern LINE = Pattern.compile("rebuild ops-total: (\\d+)/(\\d+) aggregates");
    static final Pattern RESUMED = Pattern.compile("resuming after (\\d+) aggregates");
    static final Pattern THIS_RUN = Pattern.compile("this run sent (\\d+) messages");

    @TempDir
    Path dir;

    @Test
    void killedWithSigkillItResumesSendingAtMostOnePageAgain() throws Exception {
        int n = 600;
        int page = 40;
        try (LocalDynamoDb db = LocalDynamoDb.inMemory()) {
            DynamoDbClient client = db.client();
            DynamoDbTables.createIfMissing(client, TableDefinitions.ledger("tally-ledger"));
            DynamoDbTables.createIfMissing(client, TableDefinitions.snapshots("tally-snapshots"));
            DynamoDbTables.createIfMissing(client, TableDefinitions.views("ops-ops-total"));
            EventStore<Count> counters = EventStore.builder(OpsTestApp.COUNTER, new DynamoDbLedger(client,
                    "tally-ledger")).build();
            for (int i = 0; i < n; i++) {
                counters.execute(String.format("k%03d", i), new Add(i));
            }
            Path app = OpsTestApp.jar(dir);
            Path place = dir.resolve("place.json");
            List<String> args = List.of("rebuild", "ops-total", "--dynamodb-endpoint", db.endpoint().toString(),
                    "--app", app.toString(), "--page-size", Integer.toString(page), "--rate", "150", "--progress",
                    "lines", "--every", "0", "--checkpoint", place.toString());

            // first run: killed (SIGKILL, no shutdown hook runs) once it is well into the walk. Its output goes to
            // a file, so every line it printed before dying can be read after the kill (it prints a count before
            // saving it, so the last line printed is never behind the saved place)
            Path firstOut = dir.resolve("first-run.txt");
            Process first = start(args, firstOut);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (lastCount(firstOut) < 230) {
                assertThat(first.isAlive()).as(Files.readString(firstOut)).isTrue();
                assertThat(System.nanoTime()).as("the first run passes 230 within 2 minutes").isLessThan(deadline);
                Thread.sleep(5);
            }
            first.destroyForcibly(); // SIGKILL on Linux
            assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(first.exitValue()).isEqualTo(137);
            long lastSeen = lastCount(firstOut);
            assertThat(lastSeen).isBetween(230L, (long) n - 1);
            assertThat(place).exists();

            // second run: resumes at the saved page, finishes, forgets its place
            Process second = start(args);
            String out = new String(second.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(second.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(second.exitValue()).as(out).isZero();
            Matcher resumed = RESUMED.matcher(out);
            assertThat(resumed.find()).as(out).isTrue();
            long resumedAfter = Long.parseLong(resumed.group(1));
            assertThat(resumedAfter % page).isZero();
            // the first run had sent at least lastSeen; the second sends again only what followed its last save
            assertThat(lastSeen - resumedAfter).isBetween(0L, (long) page);
            Matcher sent = THIS_RUN.matcher(out);
            assertThat(sent.find()).as(out).isTrue();
            assertThat(Long.parseLong(sent.group(1))).isEqualTo(n - resumedAfter);
            assertThat(Files.exists(place)).isFalse();

            DynamoDbProjectionWriter<Total> views = new DynamoDbProjectionWriter<>(client, "ops-ops-total", Total.class);
            assertThat(views.list(PageRequest.first(1000)).items()).hasSize(n);
            for (int i = 0; i < n; i += 37) {
                Versioned<Total> v = views.read(String.format("k%03d", i)).orElseThrow();
                assertThat(v.view().value()).isEqualTo(i);
                assertThat(v.version()).isEqualTo(1);
            }
        }
    }


    private static Process start(List<String> args) throws Exception {
        return builder(args).start();
    }

    private static Process start(List<String> args, Path output) throws Exception {
        return builder(args).redirectOutput(output.toFile()).start();
    }

    private static ProcessBuilder builder(List<String> args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(args);
        return new ProcessBuilder(command).redirectErrorStream(true);
    }

    /** The last progress count in the output so far, 0 before the first. */
    private static long lastCount(Path output) throws Exception {
        long last = 0;
        if (Files.exists(output)) {
            for (String line : Files.readAllLines(output, StandardCharsets.UTF_8)) {
                Matcher m = LINE.matcher(line);
                if (m.find()) {
                    last = Long.parseLong(m.group(1));
                }
            }
        }
        return last;
    }
}
