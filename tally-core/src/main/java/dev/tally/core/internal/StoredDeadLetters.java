package dev.tally.core.internal;

import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.runtime.DeadLetter;
import dev.tally.core.runtime.DeadLetterSource;
import dev.tally.core.runtime.DeadLetters;
import dev.tally.core.spi.DeadLetterStore;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@link DeadLetters} role over a {@link DeadLetterStore}: listing and counting are the
 * store's; a pipeline says how one letter goes back to where it failed, and redriving all of them
 * (of one source, or every one) pages through the store and redrives each.
 */
public abstract class StoredDeadLetters implements DeadLetters {
    protected final DeadLetterStore store;

    protected StoredDeadLetters(DeadLetterStore store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    @Override
    public Page<DeadLetter> page(PageRequest request) {
        return store.page(request);
    }

    @Override
    public Optional<DeadLetter> get(String id) {
        return store.get(id);
    }

    @Override
    public long count() {
        return store.count();
    }

    @Override
    public int redriveAll(DeadLetterSource source) {
        int ok = 0;
        PageRequest request = PageRequest.first(100);
        while (true) {
            Page<DeadLetter> page = store.page(request);
            for (DeadLetter d : page.items()) {
                if (source == null || source.equals(d.source())) {
                    ok += redrive(d.id()) ? 1 : 0;
                }
            }
            if (page.isLast()) {
                return ok;
            }
            request = request.next(page.nextCursor());
        }
    }
}
