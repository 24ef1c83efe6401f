package dev.tally.core.memory;

import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.projection.ProjectionWriter;
import dev.tally.core.projection.Versioned;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;

/** Views in memory; the version check happens inside one atomic map update. */
public final class InMemoryProjectionWriter<V> implements ProjectionWriter<V> {
    private final String name;
    private final ConcurrentSkipListMap<String, Versioned<V>> views = new ConcurrentSkipListMap<>();

    public InMemoryProjectionWriter(String name) {
        this.name = name;
    }

    @Override
    public WriteOutcome write(String key, long version, V view) {
        boolean[] written = {false};
        views.compute(key, (k, stored) -> {
            if (stored != null && stored.version() >= version) {
                return stored;
            }
            written[0] = true;
            return new Versioned<>(k, version, view);
        });
        return written[0] ? WriteOutcome.WRITTEN : WriteOutcome.STALE;
    }

    @Override
    public Optional<Versioned<V>> read(String key) {
        return Optional.ofNullable(views.get(key));
    }

    @Override
    public boolean delete(String key) {
        return views.remove(key) != null;
    }

    /** Removes every view. */
    public void clear() {
        views.clear();
    }

    @Override
    public Page<Versioned<V>> list(PageRequest request) {
        Map<String, Versioned<V>> tail = request.cursor() == null ? views : views.tailMap(request.cursor(), false);
        List<Versioned<V>> items = new ArrayList<>();
        String last = null;
        for (Versioned<V> v : tail.values()) {
            if (items.size() == request.size()) {
                return new Page<>(items, last);
            }
            items.add(v);
            last = v.key();
        }
        return new Page<>(items, null);
    }

    @Override
    public String name() {
        return name;
    }
}
