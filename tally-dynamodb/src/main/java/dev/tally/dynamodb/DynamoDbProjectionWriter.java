package dev.tally.dynamodb;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.projection.ProjectionWriter;
import dev.tally.core.projection.Versioned;
import java.util.ArrayList;
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
 * One projection in its own DynamoDB table ({@link TableDefinitions#views}): the view's fields
 * as top-level attributes (so they can be read, filtered and indexed like any item), plus
 * {@value #KEY} (the key) and {@value #VERSION} (the aggregate version it reflects).
 *
 * <p>The write is one conditional PutItem, {@code attribute_not_exists(_id) OR _version < :v}:
 * a duplicate or stale delivery fails the condition and changes nothing. On DynamoDB Local, writes
 * of several writers can share one transaction ({@link GroupedViewWrites}), each with its condition. {@link #list} scans
 * the table, in DynamoDB's stable hash order, not key order.
 */
public final class DynamoDbProjectionWriter<V> implements ProjectionWriter<V> {
    public static final String KEY = "_id";
    public static final String VERSION = "_version";

    private final DynamoDbClient client;
    private final String table;
    private final Class<V> viewType;
    private final GroupedViewWrites writes;

    public DynamoDbProjectionWriter(DynamoDbClient client, String table, Class<V> viewType) {
        this(GroupedViewWrites.single(client), table, viewType);
    }

    /**
     * A writer whose writes go through {@code writes}: {@link GroupedViewWrites#grouped} shares
     * transactions with the other writers on it (for DynamoDB Local).
     */
    public DynamoDbProjectionWriter(GroupedViewWrites writes, String table, Class<V> viewType) {
        this.writes = Objects.requireNonNull(writes, "writes");
        this.client = writes.client();
        this.table = Objects.requireNonNull(table, "table");
        this.viewType = Objects.requireNonNull(viewType, "viewType");
    }

    @Override
    public String name() {
        return table;
    }

    @Override
    public WriteOutcome write(String key, long version, V view) {
        JsonNode json = JsonCodec.toTree(view);
        if (!json.isObject()) {
            throw new IllegalArgumentException("a DynamoDB view must be a JSON object (a record), but "
                    + viewType.getSimpleName() + " gives " + json.getNodeType() + ": wrap it in a record");
        }
        if (json.has(KEY) || json.has(VERSION)) {
            throw new IllegalArgumentException("view " + viewType.getSimpleName() + " has a field named " + KEY
                    + " or " + VERSION + ", which Tally uses for the key and version: rename the field");
        }
        Map<String, AttributeValue> item = new HashMap<>(JsonAttributes.toMap(json));
        item.put(KEY, AttributeValue.fromS(key));
        item.put(VERSION, AttributeValue.fromN(Long.toString(version)));
        return writes.write(PutItemRequest.builder()
                .tableName(table)
                .item(item)
                .conditionExpression("attribute_not_exists(#id) OR #ver < :v")
                .expressionAttributeNames(Map.of("#id", KEY, "#ver", VERSION))
                .expressionAttributeValues(Map.of(":v", AttributeValue.fromN(Long.toString(version))))
                .build(), key);
    }

    @Override
    public Optional<Versioned<V>> read(String key) {
        Map<String, AttributeValue> item = client.getItem(GetItemRequest.builder().tableName(table)
                .key(Map.of(KEY, AttributeValue.fromS(key))).consistentRead(true).build()).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(toVersioned(item));
    }

    @Override
    public boolean delete(String key) {
        Map<String, AttributeValue> old = client.deleteItem(DeleteItemRequest.builder().tableName(table)
                .key(Map.of(KEY, AttributeValue.fromS(key))).returnValues(ReturnValue.ALL_OLD).build()).attributes();
        return old != null && !old.isEmpty();
    }

    @Override
    public Page<Versioned<V>> list(PageRequest request) {
        ScanResponse r = client.scan(ScanRequest.builder().tableName(table).limit(request.size()).consistentRead(true)
                .exclusiveStartKey(request.cursor() == null ? null : DynamoDbLedger.decodeCursor(request.cursor()))
                .build());
        List<Versioned<V>> views = new ArrayList<>();
        r.items().forEach(item -> views.add(toVersioned(item)));
        boolean more = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty();
        return new Page<>(views, more ? DynamoDbLedger.encodeCursor(r.lastEvaluatedKey()) : null);
    }

    private Versioned<V> toVersioned(Map<String, AttributeValue> item) {
        Map<String, AttributeValue> fields = new HashMap<>(item);
        String key = fields.remove(KEY).s();
        long version = Long.parseLong(fields.remove(VERSION).n());
        ObjectNode json = JsonAttributes.toObject(fields);
        return new Versioned<>(key, version, JsonCodec.fromTree(json, viewType));
    }
}
