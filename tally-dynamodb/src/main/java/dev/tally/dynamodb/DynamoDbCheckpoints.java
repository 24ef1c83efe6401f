package dev.tally.dynamodb;

import dev.tally.core.spi.Checkpoint;
import dev.tally.core.spi.CheckpointStore;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;

/**
 * Checkpoints in a DynamoDB table ({@link TableDefinitions#keyValue}): one item per consumer,
 * {@code pk} its id and {@code position} its position as a decimal string, verbatim (stream shard
 * sequence numbers keep their leading zeros; global-log positions are written in plain digits).
 */
public final class DynamoDbCheckpoints implements CheckpointStore {
    private final DynamoDbClient client;
    private final String table;

    public DynamoDbCheckpoints(DynamoDbClient client, String table) {
        this.client = Objects.requireNonNull(client, "client");
        this.table = Objects.requireNonNull(table, "table");
    }

    @Override
    public Checkpoint load(String id) {
        Map<String, AttributeValue> item = client.getItem(GetItemRequest.builder().tableName(table)
                .key(Map.of("pk", AttributeValue.fromS(id))).consistentRead(true).build()).item();
        return item == null || item.isEmpty() ? Checkpoint.start(id) : Checkpoint.at(id, item.get("position").s());
    }

    @Override
    public void save(Checkpoint checkpoint) {
        client.putItem(PutItemRequest.builder().tableName(table).item(Map.of(
                "pk", AttributeValue.fromS(checkpoint.id()),
                "position", AttributeValue.fromS(checkpoint.position().value()))).build());
    }
}
