package dev.tally.core.memory;

import dev.tally.core.message.DeadLetter;
import dev.tally.core.message.DeadLetterStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Dead letters in memory, oldest first. */
public final class InMemoryDeadLetterStore implements DeadLetterStore {
    private final Map<String, DeadLetter> letters = new LinkedHashMap<>();

    @Override
    public synchronized void add(DeadLetter letter) {
        letters.put(letter.id(), letter);
    }

    @Override
    public synchronized List<DeadLetter> list() {
        return new ArrayList<>(letters.values());
    }

    @Override
    public synchronized Optional<DeadLetter> get(String id) {
        return Optional.ofNullable(letters.get(id));
    }

    @Override
    public synchronized boolean remove(String id) {
        return letters.remove(id) != null;
    }

    @Override
    public synchronized int size() {
        return letters.size();
    }
}
