package dev.tally.cli;

import dev.tally.core.privacy.MasterKey;

/**
 * The master key of a {@code tally forget} run directly on the tables: forgetting deletes the
 * subjects' wrapped data keys and appends the audit event, so it never wraps or unwraps a key. Any
 * use of it is a bug, reported as such (and the operator needs no KMS permission to forget).
 */
enum ForgetOnlyMasterKey implements MasterKey {
    INSTANCE;

    @Override
    public String id() {
        return "forget-only";
    }

    @Override
    public GeneratedDataKey generateDataKey() {
        throw refused();
    }

    @Override
    public byte[] unwrap(byte[] wrapped) {
        throw refused();
    }

    @Override
    public byte[] wrap(byte[] plaintextKey) {
        throw refused();
    }

    private static IllegalStateException refused() {
        return new IllegalStateException("tally forget destroys data keys and never seals or reveals a value;"
                + " this is a bug in Tally, please report it");
    }
}
