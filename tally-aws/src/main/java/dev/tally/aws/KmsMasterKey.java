package dev.tally.aws;

import dev.tally.core.privacy.MasterKey;
import java.util.Objects;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.DataKeySpec;
import software.amazon.awssdk.services.kms.model.DecryptResponse;
import software.amazon.awssdk.services.kms.model.GenerateDataKeyResponse;
import software.amazon.awssdk.services.kms.model.KmsException;

/**
 * A master key in AWS KMS: data keys come from {@code GenerateDataKey} (AES-256) and are unwrapped
 * with {@code Decrypt}; the master key never leaves KMS. Every call names the key and carries an
 * encryption context ({@code "tally": "data-key"}), so a wrapped key cannot be decrypted as anything
 * else. Rotation with KMS's own automatic key rotation needs no re-wrapping (old backing keys stay in
 * KMS); moving to another KMS key uses {@code SubjectKeys.rotate()}, which calls {@link #wrap}.
 */
public final class KmsMasterKey implements MasterKey {
    private static final java.util.Map<String, String> CONTEXT = java.util.Map.of("tally", "data-key");

    private final KmsClient kms;
    private final String keyId;

    /**
     * @param keyId a key id, key ARN or alias ("alias/tally-data-keys"); use the key ARN in production, so
     *              the id stored with each data key survives an alias moving
     */
    public KmsMasterKey(KmsClient kms, String keyId) {
        this.kms = Objects.requireNonNull(kms, "kms");
        this.keyId = Objects.requireNonNull(keyId, "keyId");
    }

    @Override
    public String id() {
        return "kms:" + keyId;
    }

    @Override
    public GeneratedDataKey generateDataKey() {
        GenerateDataKeyResponse r = call("GenerateDataKey", () -> kms.generateDataKey(b -> b.keyId(keyId)
                .keySpec(DataKeySpec.AES_256).encryptionContext(CONTEXT)));
        return new GeneratedDataKey(r.plaintext().asByteArray(), r.ciphertextBlob().asByteArray());
    }

    @Override
    public byte[] unwrap(byte[] wrapped) {
        DecryptResponse r = call("Decrypt", () -> kms.decrypt(b -> b.keyId(keyId)
                .ciphertextBlob(SdkBytes.fromByteArray(wrapped)).encryptionContext(CONTEXT)));
        return r.plaintext().asByteArray();
    }

    @Override
    public byte[] wrap(byte[] plaintextKey) {
        return call("Encrypt", () -> kms.encrypt(b -> b.keyId(keyId).plaintext(SdkBytes.fromByteArray(plaintextKey))
                .encryptionContext(CONTEXT))).ciphertextBlob().asByteArray();
    }

    private <T> T call(String operation, java.util.function.Supplier<T> call) {
        try {
            return call.get();
        } catch (KmsException e) {
            throw new IllegalStateException("KMS " + operation + " with key " + keyId + " failed: "
                    + e.awsErrorDetails().errorMessage() + " (" + e.awsErrorDetails().errorCode() + "); check the key"
                    + " id and that this role may use it (kms:GenerateDataKey, kms:Decrypt, kms:Encrypt)", e);
        }
    }

    @Override
    public String toString() {
        return "KmsMasterKey[" + keyId + "]";
    }
}
