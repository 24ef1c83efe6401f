package dev.tally.core.privacy;

/**
 * The key that wraps (encrypts) the data keys of every subject: envelope encryption. Data keys are
 * stored only wrapped; the master key never leaves its home (AWS KMS, or a local key file).
 * Implementations: {@link LocalMasterKey}, and {@code KmsMasterKey} in tally-aws.
 */
public interface MasterKey {

    /** A stable identifier of this master key; stored with every data key it wraps (rotation uses it). */
    String id();

    /** A new 256-bit data key, in plain form (to use now) and wrapped (to store). */
    GeneratedDataKey generateDataKey();

    /** Unwraps a data key this master key wrapped. */
    byte[] unwrap(byte[] wrapped);

    /** Wraps an existing data key (used by rotation to re-wrap keys another master key wrapped). */
    byte[] wrap(byte[] plaintextKey);

    /** A data key as {@link #generateDataKey} returns it. */
    record GeneratedDataKey(byte[] plaintext, byte[] wrapped) {
    }
}
