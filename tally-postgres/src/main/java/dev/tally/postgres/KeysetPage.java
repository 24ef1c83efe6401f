package dev.tally.postgres;

import dev.tally.core.Page;
import dev.tally.core.projection.Versioned;
import java.util.List;

/** Keyset paging: read one row more than the page holds; if it came, the page's last key is the cursor. */
final class KeysetPage {
    private KeysetPage() {
    }

    static <V> Page<Versioned<V>> of(List<Versioned<V>> readOneMore, int size) {
        if (readOneMore.size() > size) {
            List<Versioned<V>> page = readOneMore.subList(0, size);
            return new Page<>(page, page.get(page.size() - 1).key());
        }
        return new Page<>(readOneMore, null);
    }
}
