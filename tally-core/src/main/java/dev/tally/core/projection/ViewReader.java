package dev.tally.core.projection;

import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import java.util.Optional;

/** The query side of a projection's views: read one by key, or list them a page at a time. */
public interface ViewReader<V> {
    Optional<Versioned<V>> read(String key);

    Page<Versioned<V>> list(PageRequest request);
}
