package dev.tally.aws.app;

import dev.tally.aws.KmsMasterKey;
import dev.tally.aws.TallyEnvironment;
import dev.tally.core.privacy.PersonalData;
import dev.tally.core.privacy.SubjectKeys;
import dev.tally.dynamodb.DynamoDbWrappedKeyStore;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The keys personal data is sealed with on AWS, from the environment the generated template gives
 * the functions that append (for an app that declares personal data):
 *
 * <pre>
 * TALLY_MASTER_KEY_ARN    the KMS key that wraps each subject's data key (KmsMasterKey)
 * TALLY_DATA_KEYS_TABLE   the DynamoDB table of wrapped data keys (DynamoDbWrappedKeyStore)
 * </pre>
 *
 * A function seals with {@code kms:GenerateDataKey} (a subject's first key) and opens a stored key
 * with {@code kms:Decrypt}; it reads and writes the table with {@code GetItem} and a conditional
 * {@code PutItem}. Those are the only grants the template gives it. Kept apart from
 * {@link AppFunctions} so that a function of an app without personal data never loads a KMS class.
 */
final class AppKeys {
    private AppKeys() {
    }

    static PersonalData fromEnvironment(TallyEnvironment env, DynamoDbClient dynamoDb) {
        String key = env.require("TALLY_MASTER_KEY_ARN", "the KMS key that wraps the data keys of personal data"
                + " (this app declares personal data)");
        String table = env.require("TALLY_DATA_KEYS_TABLE", "the DynamoDB table of wrapped data keys"
                + " (this app declares personal data)");
        return new PersonalData(SubjectKeys.builder(new KmsMasterKey(env.kms(), key),
                new DynamoDbWrappedKeyStore(dynamoDb, table)).build());
    }
}
