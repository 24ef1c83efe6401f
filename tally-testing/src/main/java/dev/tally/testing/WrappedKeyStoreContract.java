package dev.tally.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.privacy.LocalMasterKey;
import dev.tally.core.privacy.PersonalData;
import dev.tally.core.privacy.SubjectKeys;
import dev.tally.core.spi.WrappedKey;
import dev.tally.core.spi.WrappedKeyStore;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** What every {@link WrappedKeyStore} must do (each test uses subjects of its own). */
public abstract class WrappedKeyStoreContract {

    /** The store under test; the same instance within one test. */
    protected abstract WrappedKeyStore keys();

    private final String prefix = "s" + UUID.randomUUID().toString().substring(0, 8) + "-";

    private WrappedKey key(String subject, String keyId, String master, byte b) {
        return new WrappedKey(prefix + subject, keyId, master, new byte[] {b, 2, 3, 4, 5},
                Instant.now().truncatedTo(ChronoUnit.MILLIS));
    }

    @Test
    void storesAKeyOncePerSubject() {
        assertTrue(keys().get(prefix + "a").isEmpty());
        assertTrue(keys().putIfAbsent(key("a", "k1", "m1", (byte) 1)));
        assertFalse(keys().putIfAbsent(key("a", "k2", "m1", (byte) 9)), "a subject has one key");
        WrappedKey read = keys().get(prefix + "a").orElseThrow();
        assertEquals("k1", read.keyId());
        assertEquals("m1", read.masterKeyId());
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5}, read.wrapped());
    }

    @Test
    void deleteDestroysTheKeyAndIsIdempotent() {
        keys().putIfAbsent(key("b", "k1", "m1", (byte) 1));
        keys().delete(prefix + "b");
        assertTrue(keys().get(prefix + "b").isEmpty());
        keys().delete(prefix + "b");
        keys().delete(prefix + "never");
        assertTrue(keys().putIfAbsent(key("b", "k2", "m1", (byte) 2))); // a new key after a forget
        assertEquals("k2", keys().get(prefix + "b").orElseThrow().keyId());
    }

    @Test
    void replaceOnlyWhileTheStoredKeyIsTheExpectedOne() {
        WrappedKey original = key("c", "k1", "m1", (byte) 1);
        keys().putIfAbsent(original);
        WrappedKey rewrapped = original.rewrapped("m2", new byte[] {7, 7, 7});
        assertTrue(keys().replace(original, rewrapped));
        assertFalse(keys().replace(original, original.rewrapped("m3", new byte[] {8})));
        WrappedKey read = keys().get(prefix + "c").orElseThrow();
        assertEquals("m2", read.masterKeyId());
        assertArrayEquals(new byte[] {7, 7, 7}, read.wrapped());
        keys().delete(prefix + "c");
        assertFalse(keys().replace(rewrapped, original)); // a forgotten key is never brought back
        assertTrue(keys().get(prefix + "c").isEmpty());
    }

    @Test
    void listsEveryKeyPageByPage() {
        for (int i = 0; i < 7; i++) {
            keys().putIfAbsent(key("list-" + i, "k" + i, "m1", (byte) i));
        }
        Set<String> seen = new HashSet<>();
        PageRequest request = PageRequest.first(3);
        while (true) {
            Page<WrappedKey> page = keys().list(request);
            assertTrue(page.items().size() <= 3);
            page.items().forEach(k -> assertTrue(seen.add(k.subject()), "listed twice: " + k));
            if (page.isLast()) {
                break;
            }
            request = request.next(page.nextCursor());
        }
        for (int i = 0; i < 7; i++) {
            assertTrue(seen.contains(prefix + "list-" + i), "not listed: list-" + i);
        }
    }

    @Test
    void sealsAndForgetsThroughSubjectKeys() {
        SubjectKeys subjectKeys = SubjectKeys.builder(LocalMasterKey.generate(), keys()).build();
        PersonalData data = new PersonalData(subjectKeys);
        String sealed = data.seal(prefix + "d", "Dora Explorer");
        subjectKeys.clearCache(); // read the key back from the store
        assertEquals("Dora Explorer", data.open(sealed).orElseThrow());
        subjectKeys.forget(prefix + "d");
        assertTrue(data.open(sealed).isEmpty());
    }
}
