package dev.tally.core.privacy;

import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.spi.WrappedKey;
import dev.tally.core.spi.WrappedKeyStore;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.crypto.spec.SecretKeySpec;

/**
 * The data key of each subject: made on first use (wrapped by the master key, stored in a
 * {@link WrappedKeyStore}), unwrapped on use and kept in a bounded cache with a time to live, and
 * destroyed by {@link #forget}, which removes it from the store and from the cache.
 *
 * <p>The cache is per process: another process that holds a subject's key in its cache can use it
 * until the entry's time to live runs out (default {@link #DEFAULT_TTL}). Keep the TTL short where
 * several processes serve one store.
 */
public final class SubjectKeys {
    public static final Duration DEFAULT_TTL = Duration.ofMinutes(5);
    public static final int DEFAULT_CACHE_SIZE = 10_000;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A data key ready for use. */
    public record DataKey(String subject, String keyId, SecretKeySpec key) {
    }

    private record Cached(DataKey key, Instant expires) {
    }

    private final MasterKey master;
    private final Map<String, MasterKey> previous;
    private final WrappedKeyStore store;
    private final Duration ttl;
    private final Clock clock;
    private final LinkedHashMap<String, Cached> cache;

    private SubjectKeys(Builder b) {
        this.master = b.master;
        this.store = b.store;
        this.ttl = b.ttl;
        this.clock = b.clock;
        Map<String, MasterKey> p = new LinkedHashMap<>();
        b.previous.forEach(k -> p.put(k.id(), k));
        this.previous = Map.copyOf(p);
        int max = b.cacheSize;
        this.cache = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Cached> eldest) {
                return size() > max;
            }
        };
    }

    public static Builder builder(MasterKey master, WrappedKeyStore store) {
        return new Builder(master, store);
    }

    public MasterKey masterKey() {
        return master;
    }

    public WrappedKeyStore store() {
        return store;
    }

    /** The subject's current key, made (and stored wrapped) when it has none. */
    public DataKey keyFor(String subject) {
        requireSubject(subject);
        Optional<DataKey> known = find(subject);
        if (known.isPresent()) {
            return known.get();
        }
        MasterKey.GeneratedDataKey generated = master.generateDataKey();
        byte[] id = new byte[8];
        RANDOM.nextBytes(id);
        WrappedKey wrapped = new WrappedKey(subject, HexFormat.of().formatHex(id), master.id(), generated.wrapped(),
                clock.instant());
        if (store.putIfAbsent(wrapped)) {
            DataKey key = new DataKey(subject, wrapped.keyId(), new SecretKeySpec(generated.plaintext(), "AES"));
            remember(key);
            return key;
        }
        // another writer made the subject's key first: use theirs
        return find(subject).orElseThrow(() -> new IllegalStateException("the key store " + store.describe()
                + " refused a new key for subject '" + subject + "' as a duplicate but has none"));
    }

    /** The subject's key when it has one (empty when it never had one or was forgotten). */
    public Optional<DataKey> find(String subject) {
        requireSubject(subject);
        synchronized (cache) {
            Cached c = cache.get(subject);
            if (c != null && clock.instant().isBefore(c.expires())) {
                return Optional.of(c.key());
            }
            if (c != null) {
                cache.remove(subject);
            }
        }
        Optional<WrappedKey> stored = store.get(subject);
        if (stored.isEmpty()) {
            return Optional.empty();
        }
        WrappedKey w = stored.get();
        DataKey key = new DataKey(subject, w.keyId(), new SecretKeySpec(masterFor(w).unwrap(w.wrapped()), "AES"));
        remember(key);
        return Optional.of(key);
    }

    /** Destroys the subject's key: in the store and in this process's cache. */
    public void forget(String subject) {
        requireSubject(subject);
        synchronized (cache) {
            cache.remove(subject);
        }
        store.delete(subject);
        synchronized (cache) {
            cache.remove(subject); // a reader that raced the delete may have put it back
        }
    }

    /** Empties this process's cache (the keys stay in the store). */
    public void clearCache() {
        synchronized (cache) {
            cache.clear();
        }
    }

    public int cachedKeys() {
        synchronized (cache) {
            return cache.size();
        }
    }

    /**
     * Re-wraps every data key another master key wrapped with the current one. The keys themselves
     * do not change, so every sealed value stays readable. Build this object with the previous master
     * keys ({@link Builder#previousMasterKeys}); once this returns, the previous keys can be retired.
     *
     * @return how many keys were re-wrapped
     */
    public int rotate() {
        int rewrapped = 0;
        PageRequest page = PageRequest.first(500);
        while (true) {
            Page<WrappedKey> keys = store.list(page);
            for (WrappedKey w : keys.items()) {
                if (w.masterKeyId().equals(master.id())) {
                    continue;
                }
                byte[] plain = masterFor(w).unwrap(w.wrapped());
                if (store.replace(w, w.rewrapped(master.id(), master.wrap(plain)))) {
                    rewrapped++;
                }
            }
            if (keys.isLast()) {
                return rewrapped;
            }
            page = page.next(keys.nextCursor());
        }
    }

    private MasterKey masterFor(WrappedKey w) {
        if (w.masterKeyId().equals(master.id())) {
            return master;
        }
        MasterKey m = previous.get(w.masterKeyId());
        if (m == null) {
            throw new IllegalStateException("the data key of subject '" + w.subject() + "' was wrapped by master key "
                    + w.masterKeyId() + ", which this process does not have (it has " + master.id()
                    + (previous.isEmpty() ? "" : " and " + previous.keySet()) + "): pass that master key as a previous"
                    + " one and run a rotation");
        }
        return m;
    }

    private void remember(DataKey key) {
        synchronized (cache) {
            cache.put(key.subject(), new Cached(key, clock.instant().plus(ttl)));
        }
    }

    private static void requireSubject(String subject) {
        if (subject == null || subject.isEmpty() || subject.length() > 512) {
            throw new IllegalArgumentException("a data subject is a non-empty id of at most 512 characters, got "
                    + (subject == null ? "null" : "'" + subject + "'"));
        }
    }

    public static final class Builder {
        private final MasterKey master;
        private final WrappedKeyStore store;
        private final List<MasterKey> previous = new ArrayList<>();
        private Duration ttl = DEFAULT_TTL;
        private int cacheSize = DEFAULT_CACHE_SIZE;
        private Clock clock = Clock.systemUTC();

        private Builder(MasterKey master, WrappedKeyStore store) {
            this.master = Objects.requireNonNull(master, "master");
            this.store = Objects.requireNonNull(store, "store");
        }

        /** How long an unwrapped key stays in this process's cache (default 5 minutes). */
        public Builder cacheTtl(Duration ttl) {
            if (ttl.isNegative()) {
                throw new IllegalArgumentException("cache TTL must be >= 0, got " + ttl);
            }
            this.ttl = ttl;
            return this;
        }

        /** How many unwrapped keys this process keeps at most (default 10,000). */
        public Builder cacheSize(int keys) {
            if (keys < 0) {
                throw new IllegalArgumentException("cache size must be >= 0, got " + keys);
            }
            this.cacheSize = keys;
            return this;
        }

        /** Master keys that wrapped some stored keys before a rotation (read with them, {@link #rotate} away from them). */
        public Builder previousMasterKeys(MasterKey... keys) {
            previous.addAll(List.of(keys));
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public SubjectKeys build() {
            return new SubjectKeys(this);
        }
    }
}
