package dev.tally.core.runtime;

import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import java.util.Optional;

/**
 * The dead letters of a bus or a whole pipeline, and how to send them back to where they failed.
 * A role apart from routing and statistics.
 */
public interface DeadLetters {

    Page<DeadLetter> page(PageRequest request);

    Optional<DeadLetter> get(String id);

    long count();

    /** Hands one dead letter to its source again; on success it leaves the store. False when it failed again. */
    boolean redrive(String id);

    /** Redrives every dead letter of one source, or of all when {@code source} is null; returns how many succeeded. */
    int redriveAll(DeadLetterSource source);
}
