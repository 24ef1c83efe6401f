package dev.tally.dynamodb;

import dev.tally.core.spi.CheckpointStore;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;

/**
 * Named positions in a DynamoDB table ({@link TableDefinitions#keyValue}): stream shard sequence
 * numbers (strings) for the local stream poller, or global-log positions as a
 * {@link CheckpointStore}.
 */
public final class DynamoDbCheckpoints implements CheckpointStore {
    private final DynamoDbClient client;
    private final String table;

    public DynamoDbCheckpoints(DynamoDbClient client, String table) {
        this.client = Objects.requireNonNull(client, "client");
        this.table = Objects.requireNonNull(table, "table");
    }

    public Optional<String> position(String name) {
        Map<String, AttributeValue> item = client.getItem(GetItemRequest.builder().tableName(table)
                .key(Map.of("pk", AttributeValue.fromS(name))).consistentRead(true).build()).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(item.get("position").s());
    }

    public void position(String name, String position) {
        client.putItem(PutItemRequest.builder().tableName(table).item(Map.of(
                "pk", AttributeValue.fromS(name), "position", AttributeValue.fromS(position))).build());
    }

    @Override
    public long load(String subscription) {
        return position(subscription).map(Long::parseLong).orElse(0L);
    }

    @Override
    public void save(String subscription, long position) {
        position(subscription, Long.toString(position));
    }
}
