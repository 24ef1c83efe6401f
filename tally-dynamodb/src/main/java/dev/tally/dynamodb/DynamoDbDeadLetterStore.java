package dev.tally.dynamodb;

import dev.tally.core.message.DeadLetter;
import dev.tally.core.message.DeadLetterStore;
import dev.tally.core.message.MessageCodec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;

/**
 * Dead letters in a DynamoDB table ({@link TableDefinitions#keyValue}), so they survive a restart
 * of the local stack and can be listed and redriven later. The message is kept in Tally's wire
 * format. Listing scans the table: dead letters are meant to be few.
 */
public final class DynamoDbDeadLetterStore implements DeadLetterStore {
    private final DynamoDbClient client;
    private final String table;

    public DynamoDbDeadLetterStore(DynamoDbClient client, String table) {
        this.client = Objects.requireNonNull(client, "client");
        this.table = Objects.requireNonNull(table, "table");
    }

    @Override
    public void add(DeadLetter d) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("pk", AttributeValue.fromS(d.id()));
        item.put("target", AttributeValue.fromS(d.target()));
        item.put("message", AttributeValue.fromS(MessageCodec.toJsonString(d.message())));
        item.put("error", AttributeValue.fromS(d.error() == null ? "" : d.error()));
        item.put("attempts", AttributeValue.fromN(Integer.toString(d.attempts())));
        item.put("failedAt", AttributeValue.fromS(d.failedAt().toString()));
        client.putItem(PutItemRequest.builder().tableName(table).item(item).build());
    }

    @Override
    public List<DeadLetter> list() {
        List<DeadLetter> out = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            ScanResponse r = client.scan(ScanRequest.builder().tableName(table).consistentRead(true)
                    .exclusiveStartKey(start).build());
            r.items().forEach(item -> out.add(fromItem(item)));
            start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
        } while (start != null);
        out.sort(Comparator.comparing(DeadLetter::failedAt).thenComparing(DeadLetter::id));
        return out;
    }

    @Override
    public Optional<DeadLetter> get(String id) {
        Map<String, AttributeValue> item = client.getItem(GetItemRequest.builder().tableName(table)
                .key(Map.of("pk", AttributeValue.fromS(id))).consistentRead(true).build()).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(fromItem(item));
    }

    @Override
    public boolean remove(String id) {
        Map<String, AttributeValue> old = client.deleteItem(DeleteItemRequest.builder().tableName(table)
                .key(Map.of("pk", AttributeValue.fromS(id))).returnValues(ReturnValue.ALL_OLD).build()).attributes();
        return old != null && !old.isEmpty();
    }

    private static DeadLetter fromItem(Map<String, AttributeValue> item) {
        return new DeadLetter(item.get("pk").s(), item.get("target").s(), MessageCodec.fromJson(item.get("message").s()),
                item.get("error").s(), Integer.parseInt(item.get("attempts").n()), Instant.parse(item.get("failedAt").s()));
    }
}
