package dev.tally.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.EventMetadata;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.ledger.EventTooLarge;
import dev.tally.core.ledger.GroupTooLarge;
import dev.tally.core.ledger.VersionConflict;
import dev.tally.core.ledger.VersionGap;
import dev.tally.testing.TestEvents;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/** What the DynamoDB ledger does beyond the contract: its limits, its hot path, its table. */
class DynamoDbLedgerTest {
    static final String TABLE = "ledger-specific";
    /** Names of the DynamoDB operations this test's client called, in order. */
    static final List<String> calls = new CopyOnWriteArrayList<>();
    static DynamoDbClient client;

    @BeforeAll
    static void table() {
        client = DynamoDbClient.builder()
                .httpClient(UrlConnectionHttpClient.create())
                .region(Region.US_EAST_1)
                .endpointOverride(DynamoDbLocalTestServer.endpoint())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("tallyLocal", "x")))
                .overrideConfiguration(c -> c.addExecutionInterceptor(new ExecutionInterceptor() {
                    @Override
                    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                        calls.add(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME));
                    }
                }))
                .build();
        DynamoDbTables.createIfMissing(client, TableDefinitions.ledger(TABLE));
    }

    private final String store = TestEvents.uniqueStore("dyn");

    @Test
    void aGapIsRefusedEvenByALedgerThatHasNeverSeenTheStream() {
        new DynamoDbLedger(client, TABLE).append(TestEvents.stream(store, "a", 1, 3));
        DynamoDbLedger cold = new DynamoDbLedger(client, TABLE); // knows nothing of "a"
        assertThatThrownBy(() -> cold.append(List.of(TestEvents.event(store, "a", 5))))
                .isInstanceOf(VersionGap.class)
                .hasMessageContaining(store + "/a").hasMessageContaining("version 5")
                .hasMessageContaining("version 4 is not stored");
        assertThat(cold.read(store, "a", ReadOptions.ALL)).hasSize(3);
        assertThat(rawItem(store, "a", 5)).isEmpty();

        cold.append(List.of(TestEvents.event(store, "a", 4))); // N-1 exists: accepted
        assertThat(cold.read(store, "a", ReadOptions.ALL)).hasSize(4);
    }

    @Test
    void anEventOver400KbIsRefusedBeforeTheCallNamingAggregateVersionAndSize() {
        DynamoDbLedger ledger = new DynamoDbLedger(client, TABLE);
        ledger.append(List.of(TestEvents.event(store, "big", 1)));
        ObjectNode payload = JsonCodec.object().put("blob", "x".repeat(410 * 1024));
        RecordedEvent huge = TestEvents.event(store, "big", 2, "Uploaded", payload, EventMetadata.empty());
        calls.clear();
        assertThatThrownBy(() -> ledger.append(List.of(huge)))
                .isInstanceOf(EventTooLarge.class)
                .hasMessageContaining(store + "/big v2")
                .hasMessageMatching("(?s).* is 4\\d{5} bytes, over the ledger's limit of 409600 bytes.*")
                .hasMessageContaining("nothing was written");
        assertThat(calls).as("refused before any call").isEmpty();
        assertThat(rawItem(store, "big", 2)).isEmpty();
        assertThat(ledger.read(store, "big", ReadOptions.ALL)).hasSize(1);
    }

    @Test
    void aGroupOverTheTransactionLimitIsRefusedWhole() {
        DynamoDbLedger ledger = new DynamoDbLedger(client, TABLE);
        List<RecordedEvent> group = new ArrayList<>();
        for (int i = 0; i < 101; i++) {
            group.add(TestEvents.event(store, "g-" + i, 1));
        }
        assertThatThrownBy(() -> ledger.append(group)).isInstanceOf(GroupTooLarge.class)
                .hasMessageContaining("limit of 100");
        assertThat(ledger.read(store, "g-0", ReadOptions.ALL)).isEmpty();
        ledger.append(group.subList(0, 100));
        assertThat(ledger.read(store, "g-99", ReadOptions.ALL)).hasSize(1);
    }

    @Test
    void afterALoadAnAppendIsOnePutItemAndAConflictReportsTheStoredEvent() {
        DynamoDbLedger writer = new DynamoDbLedger(client, TABLE);
        writer.append(TestEvents.stream(store, "hot", 1, 3));

        DynamoDbLedger ledger = new DynamoDbLedger(client, TABLE);
        ledger.read(store, "hot", ReadOptions.ALL); // what EventStore.load does
        calls.clear();
        ledger.append(List.of(TestEvents.event(store, "hot", 4)));
        assertThat(calls).containsExactly("PutItem");

        calls.clear();
        VersionConflict conflict = org.junit.jupiter.api.Assertions.assertThrows(VersionConflict.class,
                () -> ledger.append(List.of(TestEvents.event(store, "hot", 4, "Rival", JsonCodec.object(),
                        EventMetadata.empty()))));
        // v3 is below the head this ledger saw (v4): it may have been archived, so it is checked
        assertThat(calls).as("a writer below the seen head checks N-1").containsExactly("TransactWriteItems");
        assertThat(conflict.existing()).get().extracting(RecordedEvent::type).isEqualTo("Thing1");

        calls.clear();
        new DynamoDbLedger(client, TABLE).append(List.of(TestEvents.event(store, "hot", 5)));
        assertThat(calls).as("a ledger that has not seen v4 checks it in a transaction")
                .containsExactly("TransactWriteItems");
    }

    @Test
    void payloadAndMetadataAreStoredAsMapsNotStrings() {
        DynamoDbLedger ledger = new DynamoDbLedger(client, TABLE);
        ObjectNode payload = JsonCodec.object().put("amount", 30);
        payload.putObject("nested").put("ok", true);
        ledger.append(List.of(TestEvents.event(store, "m", 1, "Debited", payload,
                EventMetadata.of("corr-9", null, "alice"))));
        Map<String, AttributeValue> item = rawItem(store, "m", 1);
        assertThat(item.get("payload").m().get("amount").n()).isEqualTo("30");
        assertThat(item.get("payload").m().get("nested").m().get("ok").bool()).isTrue();
        assertThat(item.get("metadata").m().get("correlationId").s()).isEqualTo("corr-9");
        assertThat(item.get("gsi1pk").s()).as("first events feed the aggregates index").isEqualTo(store);
        ledger.append(List.of(TestEvents.event(store, "m", 2)));
        assertThat(rawItem(store, "m", 2)).doesNotContainKey("gsi1pk");
    }

    @Test
    void theTableHasTheStreamAndTheAggregatesIndex() {
        TableDescription t = client.describeTable(DescribeTableRequest.builder().tableName(TABLE).build()).table();
        assertThat(t.streamSpecification().streamEnabled()).isTrue();
        assertThat(t.streamSpecification().streamViewType()).isEqualTo(StreamViewType.NEW_IMAGE);
        assertThat(t.globalSecondaryIndexes()).extracting(i -> i.indexName())
                .containsExactlyInAnyOrder("aggregates", "types", "correlations", "days");
        assertThat(TableDefinitions.ledger(TABLE).cloudFormationResource().toString())
                .contains("\"StreamViewType\":\"NEW_IMAGE\"").contains("\"IndexName\":\"aggregates\"")
                .contains("\"IndexName\":\"types\"").contains("\"IndexName\":\"correlations\"")
                .contains("\"IndexName\":\"days\"");
    }

    @Test
    void aLedgerTableOfAnEarlierVersionGainsTheQueryIndexes() {
        String old = "old-ledger-" + store;
        TableDefinitions.TableDefinition current = TableDefinitions.ledger(old);
        TableDefinitions.TableDefinition before = new TableDefinitions.TableDefinition(old, current.partitionKey(),
                current.partitionType(), current.sortKey(), current.sortType(), current.gsis().subList(0, 1), true);
        DynamoDbTables.createIfMissing(client, before);
        DynamoDbTables.createIfMissing(client, current);
        TableDescription t = client.describeTable(DescribeTableRequest.builder().tableName(old).build()).table();
        assertThat(t.globalSecondaryIndexes()).extracting(i -> i.indexName())
                .containsExactlyInAnyOrder("aggregates", "types", "correlations", "days");
    }

    @Test
    void numbersDynamoDbCannotHoldAreRefusedWithAHint() {
        DynamoDbLedger ledger = new DynamoDbLedger(client, TABLE);
        ObjectNode payload = JsonCodec.object().put("x", 1e200);
        assertThatThrownBy(() -> ledger.append(List.of(TestEvents.event(store, "n", 1, "T", payload,
                EventMetadata.empty())))).hasMessageContaining("outside DynamoDB's range")
                .hasMessageContaining("string");
        assertThat(ledger.read(store, "n", ReadOptions.ALL)).isEmpty();
    }

    private static Map<String, AttributeValue> rawItem(String store, String id, long version) {
        return client.getItem(GetItemRequest.builder().tableName(TABLE).consistentRead(true)
                .key(LedgerItems.key(store, id, version)).build()).item();
    }
}
