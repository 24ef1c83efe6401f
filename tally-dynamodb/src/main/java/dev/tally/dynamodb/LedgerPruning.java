package dev.tally.dynamodb;

import dev.tally.core.RetryPolicy;
import dev.tally.core.runtime.FailurePolicy;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DeleteRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * Deletes archived versions 1..H of a stream from the ledger table. The aggregate index (the
 * sparse "aggregates" GSI) is fed by the version-1 item, so before version 1 goes, the item at H+1
 * (the archive marker) gets the index attributes: a stream is listed at every instant (twice,
 * briefly, never not at all). Deletes go 25 keys a BatchWriteItem, unprocessed keys sent again.
 * Only INSERT stream records are dispatched, so neither the update nor the deletes reach a projector.
 */
final class LedgerPruning {
    private LedgerPruning() {
    }

    static void deleteThrough(DynamoDbClient client, String table, String store, String aggregateId, long version) {
        if (version < 1) {
            return;
        }
        try {
            client.updateItem(UpdateItemRequest.builder().tableName(table)
                    .key(LedgerItems.key(store, aggregateId, version + 1))
                    .updateExpression("SET #gpk = :store, #gsk = :id")
                    .conditionExpression("attribute_exists(pk)")
                    .expressionAttributeNames(Map.of("#gpk", LedgerItems.GSI_PK, "#gsk", LedgerItems.GSI_SK))
                    .expressionAttributeValues(Map.of(":store", AttributeValue.fromS(store),
                            ":id", AttributeValue.fromS(aggregateId)))
                    .build());
        } catch (ConditionalCheckFailedException e) {
            throw new IllegalStateException("refusing to delete versions 1.." + version + " of " + store + "/"
                    + aggregateId + ": version " + (version + 1) + " (the archive marker) is not stored", e);
        }
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":pk", AttributeValue.fromS(LedgerItems.pk(store, aggregateId)));
        values.put(":to", AttributeValue.fromN(Long.toString(version)));
        Map<String, AttributeValue> start = null;
        do {
            QueryResponse page = client.query(QueryRequest.builder().tableName(table)
                    .keyConditionExpression("pk = :pk AND #v <= :to")
                    .expressionAttributeNames(Map.of("#v", LedgerItems.VERSION))
                    .expressionAttributeValues(values)
                    .projectionExpression("pk, #v")
                    .consistentRead(true)
                    .exclusiveStartKey(start)
                    .build());
            List<WriteRequest> deletes = new ArrayList<>();
            for (Map<String, AttributeValue> key : page.items()) {
                deletes.add(WriteRequest.builder().deleteRequest(DeleteRequest.builder().key(key).build()).build());
            }
            for (int i = 0; i < deletes.size(); i += 25) {
                send(client, table, deletes.subList(i, Math.min(deletes.size(), i + 25)));
            }
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
    }

    /** DynamoDB may leave part of a batch unprocessed under load: what is left is sent again, with backoff. */
    private static final FailurePolicy UNPROCESSED = FailurePolicy.of(new RetryPolicy(21, Duration.ofMillis(40),
            Duration.ofSeconds(1)));

    private static void send(DynamoDbClient client, String table, List<WriteRequest> batch) {
        List<WriteRequest> left = UNPROCESSED.retryRemaining(batch, (pending, attempt) -> {
            BatchWriteItemResponse r = client.batchWriteItem(b -> b.requestItems(Map.of(table, pending)));
            return r.hasUnprocessedItems() ? r.unprocessedItems().getOrDefault(table, List.of()) : List.of();
        }, FailurePolicy.Pause.THREAD, ThreadLocalRandom.current());
        if (!left.isEmpty()) {
            throw new IllegalStateException("DynamoDB kept " + left.size() + " archived events of "
                    + table + " unprocessed; run the archive again to finish (it resumes)");
        }
    }
}
