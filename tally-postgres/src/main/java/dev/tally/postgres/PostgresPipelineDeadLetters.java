package dev.tally.postgres;

import dev.tally.core.runtime.DeadLetter;
import dev.tally.core.runtime.DeadLetterSource;
import dev.tally.core.internal.StoredDeadLetters;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The dead letters of every runner and target of this pipeline, and their redrive to where they failed. */
final class PostgresPipelineDeadLetters extends StoredDeadLetters {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresPipelineDeadLetters.class);

    private final PostgresDeadLetterStore deadLetterStore;
    private final Runnable build;
    private final Map<String, PostgresProjectionRunner> runners;
    private final Map<String, PostgresTargetFeed> feeds;
    private final Set<String> names;

    /** Over the pipeline's store, runners and feeds (the maps are the pipeline's, filled by {@code build}). */
    PostgresPipelineDeadLetters(PostgresDeadLetterStore deadLetterStore, Runnable build,
                                Map<String, PostgresProjectionRunner> runners, Map<String, PostgresTargetFeed> feeds,
                                Set<String> names) {
        super(deadLetterStore);
        this.deadLetterStore = deadLetterStore;
        this.build = build;
        this.runners = runners;
        this.feeds = feeds;
        this.names = names;
    }

    /**
     * A runner's letter: the handler and the removal commit together. A target's letter: the
     * target handles it, then the letter is removed (at least once, as its subscription).
     */
    @Override
    public boolean redrive(String id) {
        build.run();
        DeadLetter letter = deadLetterStore.get(id).orElse(null);
        if (letter == null) {
            return false;
        }
        try {
            if (letter.source() instanceof DeadLetterSource.Feed f && runners.containsKey(f.name())) {
                return runners.get(f.name()).redrive(letter);
            }
            if (letter.source() instanceof DeadLetterSource.BusTarget t && feeds.containsKey(t.name())) {
                return feeds.get(t.name()).redrive(letter);
            }
        } catch (RuntimeException e) {
            LOG.warn("redrive of dead letter {} ({}) to {} failed again: {}", id, letter.ref(), letter.source(),
                    e.toString());
            return false;
        }
        LOG.warn("cannot redrive dead letter {}: {} is not a runner or target of this pipeline (it has {})", id,
                letter.source(), names);
        return false;
    }
}

