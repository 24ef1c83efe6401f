package dev.tally.server;

import dev.tally.core.privacy.LocalMasterKey;
import dev.tally.core.privacy.PersonalData;
import dev.tally.core.privacy.SubjectKeys;
import dev.tally.dynamodb.DynamoDbWrappedKeyStore;
import java.nio.file.Path;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The keys of {@code tally serve}: the master key from {@code TALLY_MASTER_KEY} (base64) when set,
 * else from {@code <data>/master.key} (made on the first start, owner read/write only), else (in
 * memory) a fresh one per run; the wrapped data keys in the DynamoDB table {@value #TABLE} next to
 * the ledger.
 */
public final class ServerKeys {
    public static final String TABLE = "tally-data-keys";
    public static final String MASTER_KEY_FILE = "master.key";

    private ServerKeys() {
    }

    static PersonalData open(Path dataDir, DynamoDbClient dynamoDb) {
        LocalMasterKey master = LocalMasterKey.fromEnvironment().orElseGet(() -> dataDir == null
                ? LocalMasterKey.generate() : LocalMasterKey.fromFile(dataDir.resolve(MASTER_KEY_FILE)));
        return new PersonalData(SubjectKeys.builder(master, DynamoDbWrappedKeyStore.createIfMissing(dynamoDb, TABLE))
                .build());
    }
}
