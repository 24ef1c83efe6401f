package dev.tally.core.message;

import java.util.List;
import java.util.Optional;

/** Where undeliverable messages wait for a person or a redrive. */
public interface DeadLetterStore {
    void add(DeadLetter letter);

    /** Oldest first. */
    List<DeadLetter> list();

    Optional<DeadLetter> get(String id);

    boolean remove(String id);

    default int size() {
        return list().size();
    }
}
