package dev.tally.server;

import dev.tally.dynamodb.DynamoDbTables;
import dev.tally.dynamodb.TableDefinitions;
import dev.tally.http.IdempotencyStore;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;

/**
 * The answers under Idempotency-Keys in a DynamoDB table next to the ledger ({@value #TABLE}), so
 * they survive a restart; its TTL attribute {@code expiresAt} lets DynamoDB delete them after their
 * retention. A claim is a conditional write of a "running" item; the answer replaces it.
 */
public final class DynamoDbIdempotencyStore implements IdempotencyStore {
    public static final String TABLE = "tally-idempotency";

    private final DynamoDbClient client;

    public DynamoDbIdempotencyStore(DynamoDbClient client) {
        this.client = client;
        DynamoDbTables.createIfMissing(client, TableDefinitions.keyValue(TABLE));
    }

    @Override
    public Claim claim(String key, String hash, String claimId, Instant now, Instant claimedUntil, Instant expiresAt) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("pk", AttributeValue.fromS(key));
        item.put("state", AttributeValue.fromS("running"));
        item.put("claimId", AttributeValue.fromS(claimId));
        item.put("claimedUntil", AttributeValue.fromN(Long.toString(claimedUntil.getEpochSecond())));
        item.put("requestHash", AttributeValue.fromS(hash));
        item.put("createdAt", AttributeValue.fromS(now.toString()));
        item.put("expiresAt", AttributeValue.fromN(Long.toString(expiresAt.getEpochSecond())));
        try {
            client.putItem(PutItemRequest.builder().tableName(TABLE).item(item)
                    .conditionExpression("attribute_not_exists(pk) OR expiresAt < :now"
                            + " OR (#state = :running AND claimedUntil < :now)")
                    .expressionAttributeNames(Map.of("#state", "state"))
                    .expressionAttributeValues(Map.of(":now", AttributeValue.fromN(Long.toString(now.getEpochSecond())),
                            ":running", AttributeValue.fromS("running")))
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                    .build());
            return Claim.CLAIMED;
        } catch (ConditionalCheckFailedException taken) {
            return new Claim(false, taken.hasItem() && !taken.item().isEmpty() ? entry(taken.item()) : null);
        }
    }

    @Override
    public Optional<Entry> find(String key, Instant now) {
        Map<String, AttributeValue> item = client.getItem(GetItemRequest.builder().tableName(TABLE)
                .consistentRead(true).key(Map.of("pk", AttributeValue.fromS(key))).build()).item();
        if (item == null || item.isEmpty()) {
            return Optional.empty();
        }
        long expires = Long.parseLong(item.get("expiresAt").n());
        if (expires < now.getEpochSecond()) {
            return Optional.empty(); // past its retention: DynamoDB's TTL deletes it when it gets to it
        }
        return Optional.of(entry(item));
    }

    private static Entry entry(Map<String, AttributeValue> item) {
        Answer answer = item.containsKey("status") ? new Answer(Integer.parseInt(item.get("status").n()),
                item.get("contentType").s(), item.get("body").s()) : null;
        return new Entry(item.get("requestHash").s(), Instant.parse(item.get("createdAt").s()),
                item.containsKey("claimId") ? item.get("claimId").s() : null, answer);
    }

    @Override
    public boolean record(String key, String hash, String claimId, Answer answer, Instant now, Instant expiresAt) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("pk", AttributeValue.fromS(key));
        item.put("state", AttributeValue.fromS("done"));
        item.put("requestHash", AttributeValue.fromS(hash));
        item.put("status", AttributeValue.fromN(Integer.toString(answer.status())));
        item.put("contentType", AttributeValue.fromS(answer.contentType()));
        item.put("body", AttributeValue.fromS(answer.body()));
        item.put("createdAt", AttributeValue.fromS(now.toString()));
        item.put("expiresAt", AttributeValue.fromN(Long.toString(expiresAt.getEpochSecond())));
        try {
            client.putItem(PutItemRequest.builder().tableName(TABLE).item(item)
                    .conditionExpression("claimId = :mine")
                    .expressionAttributeValues(Map.of(":mine", AttributeValue.fromS(claimId)))
                    .build());
            return true;
        } catch (ConditionalCheckFailedException lost) {
            return false;
        }
    }

    @Override
    public void release(String key, String claimId) {
        try {
            client.deleteItem(DeleteItemRequest.builder().tableName(TABLE)
                    .key(Map.of("pk", AttributeValue.fromS(key)))
                    .conditionExpression("claimId = :mine")
                    .expressionAttributeValues(Map.of(":mine", AttributeValue.fromS(claimId)))
                    .build());
        } catch (ConditionalCheckFailedException notOurs) {
            // taken over by a later request: its claim stays
        }
    }
}
