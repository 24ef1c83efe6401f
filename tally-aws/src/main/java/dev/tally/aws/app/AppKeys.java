package dev.tally.aws.app;

import dev.tally.aws.KmsMasterKey;
import dev.tally.aws.TallyEnvironment;
import dev.tally.core.privacy.PersonalData;
import dev.tally.core.privacy.SubjectKeys;
import dev.tally.dynamodb.DynamoDbWrappedKeyStore;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Map;
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
 * The command function seals with {@code kms:GenerateDataKey} (a subject's first key) and opens a
 * stored key with {@code kms:Decrypt}; it reads and writes the table with {@code GetItem} and a
 * conditional {@code PutItem}. The query function only reveals: it opens stored keys
 * ({@code GetItem}, {@code kms:Decrypt}) and never makes one. Those are the only grants the template
 * gives each. Kept apart from {@link AppFunctions} so that a function of an app without personal data
 * never loads a KMS class.
 *
 * <p>Optional: {@code TALLY_KEY_CACHE_TTL}, how long an unwrapped key stays in the function's cache
 * (ISO-8601, e.g. {@code PT30S}; default {@link SubjectKeys#DEFAULT_TTL}). A forget made by another
 * function reaches a warm instance only when its cached key expires (docs/privacy.md).
 */
final class AppKeys {
    private AppKeys() {
    }

    static PersonalData fromEnvironment(TallyEnvironment env, Map<String, String> variables, DynamoDbClient dynamoDb) {
        String key = env.require("TALLY_MASTER_KEY_ARN", "the KMS key that wraps the data keys of personal data"
                + " (this app declares personal data)");
        String table = env.require("TALLY_DATA_KEYS_TABLE", "the DynamoDB table of wrapped data keys"
                + " (this app declares personal data)");
        SubjectKeys.Builder keys = SubjectKeys.builder(new KmsMasterKey(env.kms(), key),
                new DynamoDbWrappedKeyStore(dynamoDb, table));
        String ttl = variables.get("TALLY_KEY_CACHE_TTL");
        if (ttl != null && !ttl.isBlank()) {
            keys.cacheTtl(cacheTtl(ttl));
        }
        return new PersonalData(keys.build());
    }

    static Duration cacheTtl(String value) {
        try {
            Duration d = Duration.parse(value.trim());
            if (!d.isNegative()) {
                return d;
            }
        } catch (DateTimeParseException e) {
            // the message below says what to write
        }
        throw new IllegalStateException("TALLY_KEY_CACHE_TTL is '" + value + "': expected an ISO-8601 duration of"
                + " at least zero, e.g. PT30S (how long an unwrapped data key stays in this function's cache)");
    }
}
