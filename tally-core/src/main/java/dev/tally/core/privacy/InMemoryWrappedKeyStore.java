package dev.tally.core.privacy;

import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.spi.WrappedKey;
import dev.tally.core.spi.WrappedKeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;

/** Wrapped keys in memory, for tests and {@code --in-memory} runs. */
public final class InMemoryWrappedKeyStore implements WrappedKeyStore {
    private final ConcurrentSkipListMap<String, WrappedKey> keys = new ConcurrentSkipListMap<>();

    @Override
    public Optional<WrappedKey> get(String subject) {
        return Optional.ofNullable(keys.get(subject));
    }

    @Override
    public boolean putIfAbsent(WrappedKey key) {
        return keys.putIfAbsent(key.subject(), key) == null;
    }

    @Override
    public boolean replace(WrappedKey expected, WrappedKey next) {
        return keys.computeIfPresent(expected.subject(), (s, current) -> current.keyId().equals(expected.keyId())
                && current.masterKeyId().equals(expected.masterKeyId()) ? next : current) == next;
    }

    @Override
    public void delete(String subject) {
        keys.remove(subject);
    }

    @Override
    public Page<WrappedKey> list(PageRequest request) {
        Map<String, WrappedKey> tail = request.cursor() == null ? keys : keys.tailMap(request.cursor(), false);
        List<WrappedKey> items = new ArrayList<>();
        String next = null;
        for (WrappedKey k : tail.values()) {
            if (items.size() == request.size()) {
                next = items.get(items.size() - 1).subject();
                break;
            }
            items.add(k);
        }
        return new Page<>(items, next);
    }
}
