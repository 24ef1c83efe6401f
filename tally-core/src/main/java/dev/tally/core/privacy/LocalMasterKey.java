package dev.tally.core.privacy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A master key for the local stack: 256 bits, AES-GCM, kept in a file of the data directory that
 * only its owner may read (created so, and refused when group or others may read it), or given in
 * the environment ({@code TALLY_MASTER_KEY}, the key in base64). Its id is a fingerprint of the key
 * (a SHA-256 prefix), so data keys record which master key wrapped them.
 */
public final class LocalMasterKey implements MasterKey {
    /** The environment variable {@link #fromEnvironment} reads. */
    public static final String ENVIRONMENT_VARIABLE = "TALLY_MASTER_KEY";
    private static final byte[] AAD = "tally-data-key".getBytes(StandardCharsets.US_ASCII);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec key;
    private final String id;

    private LocalMasterKey(byte[] key) {
        if (key.length != 32) {
            throw new IllegalArgumentException("a master key is 32 bytes (256 bits), got " + key.length
                    + ": make one with 'head -c 32 /dev/urandom | base64'");
        }
        this.key = new SecretKeySpec(key.clone(), "AES");
        try {
            this.id = "local:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key), 0, 8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A new random master key (tests, and the first start of a data directory). */
    public static LocalMasterKey generate() {
        byte[] k = new byte[32];
        RANDOM.nextBytes(k);
        return new LocalMasterKey(k);
    }

    /** A master key from its base64 form. */
    public static LocalMasterKey fromBase64(String base64) {
        byte[] k;
        try {
            k = Base64.getDecoder().decode(base64.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the master key is not base64 (" + e.getMessage() + "): make one with"
                    + " 'head -c 32 /dev/urandom | base64'");
        }
        return new LocalMasterKey(k);
    }

    /** The key in {@value #ENVIRONMENT_VARIABLE}, when that is set. */
    public static Optional<LocalMasterKey> fromEnvironment() {
        String v = System.getenv(ENVIRONMENT_VARIABLE);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(fromBase64(v));
    }

    /**
     * The key in {@code file}, made there (owner read/write only) when the file does not exist.
     *
     * @throws IllegalStateException when group or others may access the file
     */
    public static LocalMasterKey fromFile(Path file) {
        boolean posix;
        try {
            posix = Files.getFileStore(parentStore(file)).supportsFileAttributeView("posix");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use " + file + " for the master key: " + e.getMessage(), e);
        }
        if (!Files.exists(file)) {
            LocalMasterKey fresh = generate();
            try {
                if (posix) {
                    Files.createFile(file, PosixFilePermissions.asFileAttribute(
                            Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE)));
                } else {
                    Files.createFile(file);
                }
                Files.writeString(file, Base64.getEncoder().encodeToString(fresh.key.getEncoded()) + "\n",
                        java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.SYNC);
                return fresh;
            } catch (FileAlreadyExistsException raced) {
                // another process made it first: read theirs
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the master key file " + file + ": " + e.getMessage(), e);
            }
        }
        try {
            if (posix) {
                Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
                Set<PosixFilePermission> others = Set.of(PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
                        PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
                        PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);
                if (p.stream().anyMatch(others::contains)) {
                    throw new IllegalStateException("the master key file " + file + " may be accessed by others ("
                            + PosixFilePermissions.toString(p) + "): run 'chmod 600 " + file + "' and start again");
                }
            }
            String text = Files.readString(file, StandardCharsets.US_ASCII);
            return fromBase64(text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the master key file " + file + ": " + e.getMessage(), e);
        }
    }

    private static Path parentStore(Path file) {
        Path parent = file.toAbsolutePath().getParent();
        return parent == null ? file.toAbsolutePath() : parent;
    }

    /** The key's base64 form (to move it to a secret store; treat it as the secret it is). */
    public String toBase64() {
        return Base64.getEncoder().encodeToString(key.getEncoded());
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public GeneratedDataKey generateDataKey() {
        byte[] plain = new byte[32];
        RANDOM.nextBytes(plain);
        return new GeneratedDataKey(plain, wrap(plain));
    }

    @Override
    public byte[] wrap(byte[] plaintextKey) {
        try {
            byte[] iv = new byte[12];
            RANDOM.nextBytes(iv);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, iv));
            c.updateAAD(AAD);
            byte[] ct = c.doFinal(plaintextKey);
            byte[] out = Arrays.copyOf(iv, iv.length + ct.length);
            System.arraycopy(ct, 0, out, iv.length, ct.length);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed: " + e.getMessage(), e);
        }
    }

    @Override
    public byte[] unwrap(byte[] wrapped) {
        if (wrapped.length < 12 + 16) {
            throw new IllegalArgumentException("a wrapped data key is at least 28 bytes, got " + wrapped.length);
        }
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, wrapped, 0, 12));
            c.updateAAD(AAD);
            return c.doFinal(wrapped, 12, wrapped.length - 12);
        } catch (javax.crypto.AEADBadTagException e) {
            throw new IllegalStateException("master key " + id + " cannot unwrap this data key: it was wrapped by"
                    + " another master key (after a rotation, pass the previous one too) or the stored bytes changed", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed: " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "LocalMasterKey[" + id + "]";
    }
}
