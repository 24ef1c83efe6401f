package dev.tally.core.spi;

import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.runtime.DeadLetter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where dead letters wait for a person or a redrive. Every adapter passes the
 * {@code DeadLetterStoreContract} in tally-testing.
 */
public interface DeadLetterStore {

    /** Stores a letter durably (for a durable adapter) before it returns. */
    void add(DeadLetter letter);

    /** One page of letters, in an order the adapter documents. */
    Page<DeadLetter> page(PageRequest request);

    Optional<DeadLetter> get(String id);

    boolean remove(String id);

    /** How many letters are stored. */
    long count();

    /** Every letter, page by page: for tests and small stores, not for hot paths. */
    default List<DeadLetter> list() {
        List<DeadLetter> all = new ArrayList<>();
        PageRequest request = PageRequest.first(500);
        while (true) {
            Page<DeadLetter> page = page(request);
            all.addAll(page.items());
            if (page.isLast()) {
                return all;
            }
            request = request.next(page.nextCursor());
        }
    }
}
