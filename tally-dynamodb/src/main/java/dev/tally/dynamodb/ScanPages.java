package dev.tally.dynamodb;

import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;

/**
 * Pages of a key-value table ({@link TableDefinitions#keyValue}) in table order; the cursor is
 * the last key read. Items the decoder maps to null are skipped. For small operational tables (dead letters, pending deliveries), read
 * a page at a time, never whole into memory.
 */
final class ScanPages {
    private ScanPages() {
    }

    static <T> Page<T> page(DynamoDbClient client, String table, PageRequest request,
                            Function<Map<String, AttributeValue>, T> decode) {
        List<T> items = new ArrayList<>();
        Map<String, AttributeValue> start = request.cursor() == null ? null
                : Map.of("pk", AttributeValue.fromS(request.cursor()));
        String lastKey = null;
        while (items.size() < request.size()) {
            ScanResponse r = client.scan(ScanRequest.builder().tableName(table).consistentRead(true)
                    .limit(request.size() - items.size()).exclusiveStartKey(start).build());
            for (Map<String, AttributeValue> item : r.items()) {
                T decoded = decode.apply(item); // null: not one of the listed items (e.g. a counter)
                if (decoded != null) {
                    items.add(decoded);
                }
                lastKey = item.get("pk").s();
            }
            start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
            if (start == null) {
                return new Page<>(items, null);
            }
        }
        return new Page<>(items, lastKey);
    }
}
