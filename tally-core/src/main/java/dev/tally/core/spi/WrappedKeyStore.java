package dev.tally.core.spi;

import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.privacy.InMemoryWrappedKeyStore;
import java.util.Optional;

/**
 * Where the wrapped data keys live: one per subject. Implementations: {@link InMemoryWrappedKeyStore},
 * {@code DynamoDbWrappedKeyStore} (tally-dynamodb) and {@code PostgresWrappedKeyStore} (tally-postgres).
 * Forgetting a subject is {@link #delete}: once its key is gone, every sealed copy of its data, wherever
 * it is, stays ciphertext.
 */
public interface WrappedKeyStore {

    Optional<WrappedKey> get(String subject);

    /** Stores a key unless the subject has one; false when it had (two writers raced: read the winner's). */
    boolean putIfAbsent(WrappedKey key);

    /** Replaces a key with its re-wrapped form, only while the stored one is still {@code expected}. */
    boolean replace(WrappedKey expected, WrappedKey next);

    /** Destroys the subject's key; nothing happens when it has none. */
    void delete(String subject);

    /** Every stored key, a page at a time (rotation walks them). */
    Page<WrappedKey> list(PageRequest request);

    default String describe() {
        return getClass().getSimpleName();
    }
}
