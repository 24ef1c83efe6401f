package dev.tally.dynamodb;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.json.JsonCodec;
import java.util.List;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.StreamSpecification;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * The tables Tally uses, defined once: as SDK {@link CreateTableRequest}s for tests and local runs,
 * and as CloudFormation resources for the deployment template, so both stay the same.
 */
public final class TableDefinitions {
    private TableDefinitions() {
    }

    /** One table: its keys, attributes, global secondary indexes (none or more) and stream. */
    public record TableDefinition(String name, String partitionKey, ScalarAttributeType partitionType,
                                  String sortKey, ScalarAttributeType sortType, List<GsiDefinition> gsis,
                                  boolean stream) {
        public TableDefinition {
            gsis = gsis == null ? List.of() : List.copyOf(gsis);
        }

        /** The string attributes the indexes are keyed on, each once, in order of first use. */
        List<String> gsiAttributes() {
            java.util.LinkedHashSet<String> names = new java.util.LinkedHashSet<>();
            for (GsiDefinition g : gsis) {
                names.add(g.partitionKey());
                names.add(g.sortKey());
            }
            names.remove(partitionKey);
            names.remove(sortKey);
            return List.copyOf(names);
        }

        public CreateTableRequest createTableRequest() {
            CreateTableRequest.Builder b = CreateTableRequest.builder()
                    .tableName(name)
                    .billingMode(BillingMode.PAY_PER_REQUEST)
                    .keySchema(keySchema(partitionKey, sortKey));
            List<AttributeDefinition> attributes = new java.util.ArrayList<>();
            attributes.add(AttributeDefinition.builder().attributeName(partitionKey).attributeType(partitionType).build());
            if (sortKey != null) {
                attributes.add(AttributeDefinition.builder().attributeName(sortKey).attributeType(sortType).build());
            }
            for (String attribute : gsiAttributes()) {
                attributes.add(AttributeDefinition.builder().attributeName(attribute)
                        .attributeType(ScalarAttributeType.S).build());
            }
            if (!gsis.isEmpty()) {
                b.globalSecondaryIndexes(gsis.stream().map(GsiDefinition::index).toList());
            }
            b.attributeDefinitions(attributes);
            if (stream) {
                b.streamSpecification(StreamSpecification.builder().streamEnabled(true)
                        .streamViewType(StreamViewType.NEW_IMAGE).build());
            }
            return b.build();
        }

        /** The AWS::DynamoDB::Table resource of this table, as CloudFormation JSON. */
        public ObjectNode cloudFormationResource() {
            ObjectNode resource = JsonCodec.object();
            resource.put("Type", "AWS::DynamoDB::Table");
            ObjectNode p = resource.putObject("Properties");
            p.put("TableName", name);
            p.put("BillingMode", "PAY_PER_REQUEST");
            ArrayNode attrs = p.putArray("AttributeDefinitions");
            attrs.addObject().put("AttributeName", partitionKey).put("AttributeType", partitionType.toString());
            if (sortKey != null) {
                attrs.addObject().put("AttributeName", sortKey).put("AttributeType", sortType.toString());
            }
            keySchemaJson(p.putArray("KeySchema"), partitionKey, sortKey);
            for (String attribute : gsiAttributes()) {
                attrs.addObject().put("AttributeName", attribute).put("AttributeType", "S");
            }
            if (!gsis.isEmpty()) {
                ArrayNode indexes = p.putArray("GlobalSecondaryIndexes");
                for (GsiDefinition gsi : gsis) {
                    ObjectNode index = indexes.addObject();
                    index.put("IndexName", gsi.name());
                    keySchemaJson(index.putArray("KeySchema"), gsi.partitionKey(), gsi.sortKey());
                    index.putObject("Projection").put("ProjectionType", "KEYS_ONLY");
                }
            }
            if (stream) {
                p.putObject("StreamSpecification").put("StreamViewType", "NEW_IMAGE");
            }
            p.putObject("PointInTimeRecoverySpecification").put("PointInTimeRecoveryEnabled", true);
            p.putObject("SSESpecification").put("SSEEnabled", true);
            return resource;
        }
    }

    /** A global secondary index with string keys, keys-only projection. */
    public record GsiDefinition(String name, String partitionKey, String sortKey) {
        GlobalSecondaryIndex index() {
            return GlobalSecondaryIndex.builder().indexName(name).keySchema(keySchema(partitionKey, sortKey))
                    .projection(Projection.builder().projectionType(ProjectionType.KEYS_ONLY).build()).build();
        }
    }

    /**
     * The ledger: pk (S) + version (N), the sparse "aggregates" index on first events for listing
     * aggregate ids, the three indexes of {@link DynamoDbEventQueries} (by type, by correlation id,
     * by day; each keyed on the event's position) and a NEW_IMAGE stream for the dispatcher.
     */
    public static TableDefinition ledger(String tableName) {
        return new TableDefinition(tableName, LedgerItems.PK, ScalarAttributeType.S, LedgerItems.VERSION,
                ScalarAttributeType.N, List.of(
                        new GsiDefinition(LedgerItems.AGGREGATES_INDEX, LedgerItems.GSI_PK, LedgerItems.GSI_SK),
                        new GsiDefinition(EventIndexItems.TYPE_INDEX, EventIndexItems.TYPE, EventIndexItems.POSITION),
                        new GsiDefinition(EventIndexItems.CORRELATION_INDEX, EventIndexItems.CORRELATION,
                                EventIndexItems.POSITION),
                        new GsiDefinition(EventIndexItems.DAY_INDEX, EventIndexItems.DAY, EventIndexItems.POSITION)),
                true);
    }

    /** Snapshots: pk (S) "{store}#{id}" + sk (S) "r{reducer}#v{version}", zero-padded. */
    public static TableDefinition snapshots(String tableName) {
        return new TableDefinition(tableName, "pk", ScalarAttributeType.S, "sk", ScalarAttributeType.S, List.of(),
                false);
    }

    /** A simple keyed table, key "pk" (S): dead letters, checkpoints. */
    public static TableDefinition keyValue(String tableName) {
        return new TableDefinition(tableName, "pk", ScalarAttributeType.S, null, null, List.of(), false);
    }

    /** One projection's views: key "_id" (S). */
    public static TableDefinition views(String tableName) {
        return new TableDefinition(tableName, DynamoDbProjectionWriter.KEY, ScalarAttributeType.S, null, null, null,
                false);
    }

    private static List<KeySchemaElement> keySchema(String partition, String sort) {
        List<KeySchemaElement> keys = new java.util.ArrayList<>();
        keys.add(KeySchemaElement.builder().attributeName(partition).keyType(KeyType.HASH).build());
        if (sort != null) {
            keys.add(KeySchemaElement.builder().attributeName(sort).keyType(KeyType.RANGE).build());
        }
        return keys;
    }

    private static void keySchemaJson(ArrayNode array, String partition, String sort) {
        array.addObject().put("AttributeName", partition).put("KeyType", "HASH");
        if (sort != null) {
            array.addObject().put("AttributeName", sort).put("KeyType", "RANGE");
        }
    }
}
