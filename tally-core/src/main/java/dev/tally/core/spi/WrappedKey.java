package dev.tally.core.spi;

import dev.tally.core.privacy.MasterKey;
import java.time.Instant;
import java.util.Objects;

/**
 * A subject's data key as it is stored: wrapped by a master key, never in plain form.
 *
 * @param subject     the data subject, e.g. an account or customer id
 * @param keyId       a random id of this data key; sealed values name it, so a value sealed with a
 *                    key that was forgotten stays unreadable even when the subject gets a new key
 * @param masterKeyId the {@link MasterKey#id()} that wrapped it
 * @param wrapped     the wrapped key bytes
 * @param created     when the key was made
 */
public record WrappedKey(String subject, String keyId, String masterKeyId, byte[] wrapped, Instant created) {
    public WrappedKey {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(masterKeyId, "masterKeyId");
        Objects.requireNonNull(wrapped, "wrapped");
        Objects.requireNonNull(created, "created");
        wrapped = wrapped.clone();
    }

    @Override
    public byte[] wrapped() {
        return wrapped.clone();
    }

    /** The same key wrapped by another master key. */
    public WrappedKey rewrapped(String newMasterKeyId, byte[] newWrapped) {
        return new WrappedKey(subject, keyId, newMasterKeyId, newWrapped, created);
    }

    @Override
    public String toString() {
        return "WrappedKey[" + subject + ", " + keyId + ", by " + masterKeyId + "]";
    }
}
