package dev.tally.dynamodb;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.spi.KnownVersions;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * The reads of a {@link DynamoDbLedger}: a stream's versions as strongly consistent Queries paged
 * over LastEvaluatedKey (noting the highest version seen, so the next append after it stays one
 * PutItem), aggregate ids from the sparse "aggregates" index, and the page cursors.
 */
final class DynamoDbLedgerReads {
    private static final Map<String, String> VERSION_NAME = Map.of("#v", LedgerItems.VERSION);

    private final DynamoDbClient client;
    private final String table;
    private final KnownVersions known;

    DynamoDbLedgerReads(DynamoDbClient client, String table, KnownVersions known) {
        this.client = client;
        this.table = table;
        this.known = known;
    }

    List<RecordedEvent> read(String store, String aggregateId, ReadOptions o) {
        if (o.isEmptyRange()) {
            return List.of();
        }
        String pk = LedgerItems.pk(store, aggregateId);
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":pk", AttributeValue.fromS(pk));
        values.put(":from", AttributeValue.fromN(Long.toString(o.fromVersion())));
        values.put(":to", AttributeValue.fromN(Long.toString(o.toVersion())));
        List<RecordedEvent> out = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        long maxSeen = 0;
        do {
            int remaining = o.limit() - out.size();
            QueryRequest.Builder q = QueryRequest.builder()
                    .tableName(table)
                    .keyConditionExpression("pk = :pk AND #v BETWEEN :from AND :to")
                    .expressionAttributeNames(VERSION_NAME)
                    .expressionAttributeValues(values)
                    .consistentRead(true)
                    .scanIndexForward(!o.reverse())
                    .exclusiveStartKey(start);
            if (remaining < 1000) {
                q.limit(remaining);
            }
            QueryResponse page = client.query(q.build());
            for (Map<String, AttributeValue> item : page.items()) {
                RecordedEvent e = LedgerItems.fromItem(item);
                out.add(e);
                maxSeen = Math.max(maxSeen, e.version());
            }
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null && out.size() < o.limit());
        if (maxSeen > 0) {
            known.noteExists(pk, maxSeen);
        }
        return out;
    }

    Page<String> listAggregateIds(String store, PageRequest request) {
        QueryResponse page = client.query(QueryRequest.builder()
                .tableName(table)
                .indexName(LedgerItems.AGGREGATES_INDEX)
                .keyConditionExpression("gsi1pk = :store")
                .expressionAttributeValues(Map.of(":store", AttributeValue.fromS(store)))
                .limit(request.size())
                .exclusiveStartKey(request.cursor() == null ? null : decodeCursor(request.cursor()))
                .build());
        List<String> ids = new ArrayList<>(page.count());
        for (Map<String, AttributeValue> item : page.items()) {
            ids.add(item.get(LedgerItems.GSI_SK).s());
        }
        boolean more = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty();
        return new Page<>(ids, more ? encodeCursor(page.lastEvaluatedKey()) : null);
    }

    /** A page cursor: the last evaluated key, as URL-safe base64 of its JSON. */
    static String encodeCursor(Map<String, AttributeValue> key) {
        ObjectNode n = JsonCodec.object();
        key.forEach((name, value) -> n.putObject(name).put(value.s() != null ? "S" : "N",
                value.s() != null ? value.s() : value.n()));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(n.toString().getBytes(StandardCharsets.UTF_8));
    }

    static Map<String, AttributeValue> decodeCursor(String cursor) {
        try {
            JsonNode n = JsonCodec.parse(new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8));
            Map<String, AttributeValue> key = new HashMap<>();
            n.fields().forEachRemaining(f -> key.put(f.getKey(), f.getValue().has("S")
                    ? AttributeValue.fromS(f.getValue().get("S").asText())
                    : AttributeValue.fromN(f.getValue().get("N").asText())));
            return key;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("invalid page cursor '" + cursor + "': pass back the nextCursor of the"
                    + " previous page unchanged", e);
        }
    }
}
