package dev.tally.dynamodb;

import dev.tally.core.snapshot.Snapshot;
import dev.tally.core.spi.SnapshotStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.DeleteRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * Snapshots in their own DynamoDB table ({@link TableDefinitions#snapshots}): pk
 * "{store}#{aggregateId}", sk "r{reducerVersion}#v{version}" both zero-padded, so "the newest
 * snapshot of this reducer at or before version V" is one Query with a BETWEEN on the sort key,
 * newest first, limit 1. A separate table keeps snapshot writes out of the ledger's stream and
 * capacity. A state over 400 KB cannot be stored: the save fails, the event store logs it and
 * goes on folding from events (a snapshot is only an optimisation).
 */
public final class DynamoDbSnapshotStore implements SnapshotStore {
    private final DynamoDbClient client;
    private final String table;

    public DynamoDbSnapshotStore(DynamoDbClient client, String table) {
        this.client = Objects.requireNonNull(client, "client");
        this.table = Objects.requireNonNull(table, "table");
    }

    private static String pk(String store, String aggregateId) {
        return store + "#" + aggregateId;
    }

    private static String sk(int reducerVersion, long version) {
        return String.format("r%010d#v%020d", reducerVersion, version);
    }

    @Override
    public void save(Snapshot s) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("pk", AttributeValue.fromS(pk(s.store(), s.aggregateId())));
        item.put("sk", AttributeValue.fromS(sk(s.reducerVersion(), s.version())));
        item.put("store", AttributeValue.fromS(s.store()));
        item.put("aggregateId", AttributeValue.fromS(s.aggregateId()));
        item.put("version", AttributeValue.fromN(Long.toString(s.version())));
        item.put("reducerVersion", AttributeValue.fromN(Integer.toString(s.reducerVersion())));
        item.put("state", JsonAttributes.toAttribute(s.state()));
        item.put("takenAt", AttributeValue.fromS(s.takenAt().toString()));
        client.putItem(PutItemRequest.builder().tableName(table).item(item).build());
    }

    @Override
    public Optional<Snapshot> latest(String store, String aggregateId, int reducerVersion, long atOrBeforeVersion) {
        if (atOrBeforeVersion < 1) {
            return Optional.empty();
        }
        QueryResponse r = client.query(QueryRequest.builder()
                .tableName(table)
                .keyConditionExpression("pk = :pk AND sk BETWEEN :lo AND :hi")
                .expressionAttributeValues(Map.of(
                        ":pk", AttributeValue.fromS(pk(store, aggregateId)),
                        ":lo", AttributeValue.fromS(sk(reducerVersion, 0)),
                        ":hi", AttributeValue.fromS(sk(reducerVersion, Math.min(atOrBeforeVersion,
                                99_999_999_999_999_999L)))))
                .scanIndexForward(false)
                .limit(1)
                .consistentRead(true)
                .build());
        if (r.items().isEmpty()) {
            return Optional.empty();
        }
        Map<String, AttributeValue> item = r.items().get(0);
        return Optional.of(new Snapshot(item.get("store").s(), item.get("aggregateId").s(),
                Long.parseLong(item.get("version").n()), Integer.parseInt(item.get("reducerVersion").n()),
                JsonAttributes.toJson(item.get("state")), Instant.parse(item.get("takenAt").s())));
    }

    @Override
    public int deleteAll(String store, String aggregateId) {
        List<Map<String, AttributeValue>> keys = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            QueryResponse r = client.query(QueryRequest.builder().tableName(table)
                    .keyConditionExpression("pk = :pk")
                    .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(pk(store, aggregateId))))
                    .projectionExpression("pk, sk")
                    .consistentRead(true)
                    .exclusiveStartKey(start).build());
            keys.addAll(r.items());
            start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
        } while (start != null);
        for (int i = 0; i < keys.size(); i += 25) {
            List<WriteRequest> deletes = new ArrayList<>();
            for (Map<String, AttributeValue> key : keys.subList(i, Math.min(keys.size(), i + 25))) {
                deletes.add(WriteRequest.builder().deleteRequest(DeleteRequest.builder().key(key).build()).build());
            }
            Map<String, List<WriteRequest>> pending = Map.of(table, deletes);
            while (!pending.isEmpty()) {
                BatchWriteItemResponse resp = client.batchWriteItem(BatchWriteItemRequest.builder()
                        .requestItems(pending).build());
                pending = resp.hasUnprocessedItems() ? resp.unprocessedItems() : Map.of();
            }
        }
        return keys.size();
    }
}
