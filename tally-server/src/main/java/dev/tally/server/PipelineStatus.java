package dev.tally.server;

import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.runtime.DeadLetter;
import dev.tally.core.runtime.DeadLetters;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What {@code /api/pipeline} shows, computed at most once a second however many clients poll:
 * the statistics count the dead-letter table (on DynamoDB a scan) and the per-target dead letters
 * are a scan too. Concurrent polls share one computation; the answer says when it was taken.
 */
final class PipelineStatus {
    static final Duration MAX_AGE = Duration.ofSeconds(1);
    /** Dead letters grouped per target from at most this many (the total stays exact). */
    private static final int GROUPED = 1000;

    record Snapshot(ServeEngine.Status stats, Map<String, Integer> deadLettersBySource, Instant takenAt) {
    }

    private final ServeEngine engine;
    private Snapshot last;
    private long takenNanos;

    PipelineStatus(ServeEngine engine) {
        this.engine = engine;
    }

    synchronized Snapshot snapshot() {
        long now = System.nanoTime();
        if (last == null || now - takenNanos >= MAX_AGE.toNanos()) {
            ServeEngine.Status stats = engine.status();
            Map<String, Integer> dead = new LinkedHashMap<>();
            if (stats.deadLetters() > 0) {
                DeadLetters letters = engine.pipeline().deadLetters();
                Page<DeadLetter> page = letters.page(PageRequest.first(GROUPED));
                for (DeadLetter d : page.items()) {
                    dead.merge(d.source().kind() + ":" + d.source().name(), 1, Integer::sum);
                }
            }
            last = new Snapshot(stats, dead, Instant.now());
            takenNanos = now;
        }
        return last;
    }
}
