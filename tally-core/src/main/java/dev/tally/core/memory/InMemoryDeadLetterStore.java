package dev.tally.core.memory;

import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.runtime.DeadLetter;
import dev.tally.core.spi.DeadLetterStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Dead letters in memory, oldest first. The cursor is the arrival number of the last letter
 * returned, so removing letters while paging never skips one.
 */
public final class InMemoryDeadLetterStore implements DeadLetterStore {
    private final TreeMap<Long, DeadLetter> byArrival = new TreeMap<>();
    private final Map<String, Long> arrivals = new HashMap<>();
    private long next;

    @Override
    public synchronized void add(DeadLetter letter) {
        Long previous = arrivals.get(letter.id());
        long arrival = previous != null ? previous : next++;
        arrivals.put(letter.id(), arrival);
        byArrival.put(arrival, letter);
    }

    @Override
    public synchronized Page<DeadLetter> page(PageRequest request) {
        long after;
        try {
            after = request.cursor() == null ? -1 : Long.parseLong(request.cursor());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a cursor of this store: '" + request.cursor() + "'");
        }
        List<DeadLetter> out = new ArrayList<>();
        long last = after;
        for (Map.Entry<Long, DeadLetter> e : byArrival.tailMap(after, false).entrySet()) {
            if (out.size() == request.size()) {
                return new Page<>(out, Long.toString(last));
            }
            out.add(e.getValue());
            last = e.getKey();
        }
        return new Page<>(out, null);
    }

    @Override
    public synchronized Optional<DeadLetter> get(String id) {
        Long arrival = arrivals.get(id);
        return arrival == null ? Optional.empty() : Optional.of(byArrival.get(arrival));
    }

    @Override
    public synchronized boolean remove(String id) {
        Long arrival = arrivals.remove(id);
        return arrival != null && byArrival.remove(arrival) != null;
    }

    @Override
    public synchronized long count() {
        return byArrival.size();
    }
}
