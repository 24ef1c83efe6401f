package dev.tally.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.projection.ProjectionWriter;
import dev.tally.core.projection.ProjectionWriter.WriteOutcome;
import dev.tally.core.projection.Versioned;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ProjectionWriter} must do: store a view only when its version is strictly
 * greater than the stored one, atomically, so duplicates and stale deliveries are no-ops.
 */
public abstract class ProjectionWriterContract {

    /** The view every suite writes: a few fields of different shapes. */
    public record TestView(String owner, long total, List<String> tags) {
    }

    /** A fresh, empty projection (its name is unique to the test). */
    protected abstract ProjectionWriter<TestView> writer(String projectionName);

    protected ProjectionWriter<TestView> fresh() {
        return writer("view_" + UUID.randomUUID().toString().substring(0, 8).replace('-', '_'));
    }

    private static TestView view(long total) {
        return new TestView("owner-" + total, total, List.of("t" + total, "x"));
    }

    @Test
    void storesTheFirstWrite() {
        ProjectionWriter<TestView> w = fresh();
        assertEquals(WriteOutcome.WRITTEN, w.write("k", 3, view(3)));
        assertEquals(new Versioned<>("k", 3, view(3)), w.read("k").orElseThrow());
        assertTrue(w.read("other").isEmpty());
    }

    @Test
    void aNewerVersionOverwrites() {
        ProjectionWriter<TestView> w = fresh();
        w.write("k", 3, view(3));
        assertEquals(WriteOutcome.WRITTEN, w.write("k", 4, view(4)));
        assertEquals(view(4), w.read("k").orElseThrow().view());
    }

    @Test
    void theSameVersionIsANoOp() {
        ProjectionWriter<TestView> w = fresh();
        w.write("k", 3, view(3));
        assertEquals(WriteOutcome.STALE, w.write("k", 3, new TestView("intruder", -1, List.of())));
        assertEquals(view(3), w.read("k").orElseThrow().view());
    }

    @Test
    void anOlderVersionIsANoOp() {
        ProjectionWriter<TestView> w = fresh();
        w.write("k", 5, view(5));
        assertEquals(WriteOutcome.STALE, w.write("k", 2, view(2)));
        assertEquals(new Versioned<>("k", 5, view(5)), w.read("k").orElseThrow());
    }

    @Test
    void deleteWipesAViewSoAReplayCanRefreshIt() {
        ProjectionWriter<TestView> w = fresh();
        w.write("k", 5, view(5));
        assertTrue(w.delete("k"));
        assertFalse(w.delete("k"));
        assertTrue(w.read("k").isEmpty());
        assertEquals(WriteOutcome.WRITTEN, w.write("k", 1, view(1)));
    }

    /** Whether {@link ProjectionWriter#list} returns keys in ascending order (SQL, memory) or not (DynamoDB). */
    protected boolean listsInKeyOrder() {
        return true;
    }

    @Test
    void listsEveryViewPageByPage() {
        ProjectionWriter<TestView> w = fresh();
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 23; i++) {
            keys.add(String.format("key-%02d", i));
        }
        List<String> shuffled = new ArrayList<>(keys);
        Collections.shuffle(shuffled, new Random(7));
        shuffled.forEach(k -> w.write(k, 1, view(1)));

        List<String> seen = new ArrayList<>();
        PageRequest request = PageRequest.first(10);
        while (true) {
            Page<Versioned<TestView>> page = w.list(request);
            assertTrue(page.items().size() <= 10);
            page.items().forEach(v -> seen.add(v.key()));
            if (page.isLast()) {
                break;
            }
            request = request.next(page.nextCursor());
        }
        if (listsInKeyOrder()) {
            assertEquals(keys, seen);
        } else {
            assertEquals(keys.size(), seen.size(), "no view listed twice or missed");
            assertEquals(new java.util.HashSet<>(keys), new java.util.HashSet<>(seen));
        }
    }

    @Test
    void racingWritersEndAtTheHighestVersion() throws Exception {
        ProjectionWriter<TestView> w = fresh();
        List<Long> versions = new ArrayList<>();
        for (long v = 1; v <= 200; v++) {
            versions.add(v);
            if (v % 3 == 0) {
                versions.add(v); // duplicates
            }
        }
        Collections.shuffle(versions, new Random(42));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> futures = new ArrayList<>();
        for (long v : versions) {
            futures.add(pool.submit(() -> w.write("hot", v, view(v))));
        }
        for (Future<?> f : futures) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertEquals(new Versioned<>("hot", 200, view(200)), w.read("hot").orElseThrow());
    }
}
