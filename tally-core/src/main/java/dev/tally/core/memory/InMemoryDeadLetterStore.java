package dev.tally.core.memory;

import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.runtime.DeadLetter;
import dev.tally.core.runtime.DeadLetterStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Dead letters in memory, oldest first; the cursor is an offset. */
public final class InMemoryDeadLetterStore implements DeadLetterStore {
    private final Map<String, DeadLetter> letters = new LinkedHashMap<>();

    @Override
    public synchronized void add(DeadLetter letter) {
        letters.put(letter.id(), letter);
    }

    @Override
    public synchronized Page<DeadLetter> page(PageRequest request) {
        List<DeadLetter> all = new ArrayList<>(letters.values());
        int from;
        try {
            from = request.cursor() == null ? 0 : Integer.parseInt(request.cursor());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a cursor of this store: '" + request.cursor() + "'");
        }
        int to = Math.min(all.size(), from + request.size());
        return new Page<>(from >= all.size() ? List.of() : all.subList(from, to),
                to < all.size() ? Integer.toString(to) : null);
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
    public synchronized long count() {
        return letters.size();
    }
}
