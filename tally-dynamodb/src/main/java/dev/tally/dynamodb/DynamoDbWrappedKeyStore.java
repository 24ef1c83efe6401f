package dev.tally.dynamodb;

import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.spi.WrappedKey;
import dev.tally.core.spi.WrappedKeyStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;

/**
 * Wrapped data keys in a DynamoDB table ({@link TableDefinitions#keyValue}: key "pk" = the subject).
 * Writes are conditional: a subject gets one key ({@code attribute_not_exists}), a rotation replaces
 * only the key it read. Turn point-in-time recovery off on this table, or keep its window in mind: a
 * deleted key stays recoverable from it for that long (see docs/privacy.md).
 */
public final class DynamoDbWrappedKeyStore implements WrappedKeyStore {
    private final DynamoDbClient client;
    private final String table;

    public DynamoDbWrappedKeyStore(DynamoDbClient client, String table) {
        this.client = Objects.requireNonNull(client, "client");
        this.table = Objects.requireNonNull(table, "table");
    }

    /** Creates the table when it is missing (local stack and tests), then the store. */
    public static DynamoDbWrappedKeyStore createIfMissing(DynamoDbClient client, String table) {
        DynamoDbTables.createIfMissing(client, TableDefinitions.keyValue(table));
        return new DynamoDbWrappedKeyStore(client, table);
    }

    @Override
    public Optional<WrappedKey> get(String subject) {
        Map<String, AttributeValue> item = client.getItem(GetItemRequest.builder().tableName(table)
                .key(Map.of("pk", AttributeValue.fromS(subject))).consistentRead(true).build()).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(fromItem(item));
    }

    @Override
    public boolean putIfAbsent(WrappedKey key) {
        try {
            client.putItem(PutItemRequest.builder().tableName(table).item(toItem(key))
                    .conditionExpression("attribute_not_exists(pk)").build());
            return true;
        } catch (ConditionalCheckFailedException taken) {
            return false;
        }
    }

    @Override
    public boolean replace(WrappedKey expected, WrappedKey next) {
        try {
            client.putItem(PutItemRequest.builder().tableName(table).item(toItem(next))
                    .conditionExpression("keyId = :k AND masterKeyId = :m")
                    .expressionAttributeValues(Map.of(":k", AttributeValue.fromS(expected.keyId()),
                            ":m", AttributeValue.fromS(expected.masterKeyId())))
                    .build());
            return true;
        } catch (ConditionalCheckFailedException changed) {
            return false;
        }
    }

    @Override
    public void delete(String subject) {
        client.deleteItem(DeleteItemRequest.builder().tableName(table).key(Map.of("pk", AttributeValue.fromS(subject)))
                .build());
    }

    @Override
    public Page<WrappedKey> list(PageRequest request) {
        ScanRequest.Builder scan = ScanRequest.builder().tableName(table).limit(request.size()).consistentRead(true);
        if (request.cursor() != null) {
            scan.exclusiveStartKey(Map.of("pk", AttributeValue.fromS(request.cursor())));
        }
        ScanResponse r = client.scan(scan.build());
        List<WrappedKey> items = new ArrayList<>();
        r.items().forEach(i -> items.add(fromItem(i)));
        String next = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty()
                ? r.lastEvaluatedKey().get("pk").s() : null;
        return new Page<>(items, next);
    }

    @Override
    public String describe() {
        return "dynamodb:" + table;
    }

    private static Map<String, AttributeValue> toItem(WrappedKey k) {
        return Map.of("pk", AttributeValue.fromS(k.subject()), "keyId", AttributeValue.fromS(k.keyId()),
                "masterKeyId", AttributeValue.fromS(k.masterKeyId()),
                "wrapped", AttributeValue.fromB(SdkBytes.fromByteArray(k.wrapped())),
                "created", AttributeValue.fromS(k.created().toString()));
    }

    private static WrappedKey fromItem(Map<String, AttributeValue> i) {
        return new WrappedKey(i.get("pk").s(), i.get("keyId").s(), i.get("masterKeyId").s(),
                i.get("wrapped").b().asByteArray(), Instant.parse(i.get("created").s()));
    }
}
