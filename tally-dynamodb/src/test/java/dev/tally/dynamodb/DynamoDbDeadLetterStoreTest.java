package dev.tally.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.runtime.DeadLetter;
import dev.tally.core.message.StateCarryingMessage;
import dev.tally.core.spi.Checkpoint;
import dev.tally.testing.TestEvents;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class DynamoDbDeadLetterStoreTest {

    @Test
    void keepsListsAndRemovesDeadLettersWithTheirMessageIntact() {
        String table = "dlq-" + UUID.randomUUID().toString().substring(0, 8);
        DynamoDbTables.createIfMissing(DynamoDbLocalTestServer.client(), TableDefinitions.keyValue(table));
        DynamoDbDeadLetterStore store = new DynamoDbDeadLetterStore(DynamoDbLocalTestServer.client(), table);
        ObjectNode state = JsonCodec.object().put("balance", 70);
        StateCarryingMessage m = new StateCarryingMessage(TestEvents.event("bank", "alice", 2), state);
        Instant t = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        var source = new dev.tally.core.runtime.DeadLetterSource.BusTarget("balance");
        var ref = dev.tally.core.runtime.MessageRef.of(m);
        store.add(new DeadLetter("b", source, ref, m, "boom", 4, t.plusSeconds(1)));
        store.add(new DeadLetter("a", source, ref, m, "bang", 3, t));

        assertThat(store.list()).extracting(DeadLetter::id).containsExactlyInAnyOrder("a", "b");
        DeadLetter a = store.get("a").orElseThrow();
        assertThat(a.message()).isEqualTo(m);
        assertThat(a.attempts()).isEqualTo(3);
        assertThat(a.error()).isEqualTo("bang");
        assertThat(store.remove("a")).isTrue();
        assertThat(store.remove("a")).isFalse();
        assertThat(store.count()).isEqualTo(1);

        // checkpoints share the key-value table with the dead letters; items as the stream poller and a
        // catch-up subscription wrote them before the checkpoint type (pk + position as a string) still read
        DynamoDbCheckpoints checkpoints = new DynamoDbCheckpoints(DynamoDbLocalTestServer.client(), table);
        for (String[] old : new String[][] {{"stream:shard-1", "000123"}, {"feed", "42"}}) {
            DynamoDbLocalTestServer.client().putItem(b -> b.tableName(table).item(java.util.Map.of(
                    "pk", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS(old[0]),
                    "position", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS(old[1]))));
        }
        assertThat(checkpoints.prefixed("stream:").load("shard-1")).isEqualTo(Checkpoint.at("shard-1", "000123"));
        assertThat(checkpoints.load("feed").position().asLong()).isEqualTo(42);
        checkpoints.save(Checkpoint.at("feed", 43));
        assertThat(checkpoints.load("feed")).isEqualTo(Checkpoint.at("feed", 43));
        assertThat(checkpoints.load("none").isStart()).isTrue();
        assertThat(store.count()).isEqualTo(1);
    }

    @Test
    void countingReadsOneItemNotTheTableAndLettersOfTheFirstVersionStillRead() {
        String table = "dlq-" + UUID.randomUUID().toString().substring(0, 8);
        DynamoDbTables.createIfMissing(DynamoDbLocalTestServer.client(), TableDefinitions.keyValue(table));
        StateCarryingMessage m = new StateCarryingMessage(TestEvents.event("bank", "alice", 2),
                JsonCodec.object().put("balance", 70));
        // two letters as the first version of Tally wrote them (no count, a "target" string)
        for (String[] old : new String[][] {{"old-1", "balance"}, {"old-2", "stream:dispatcher"}}) {
            DynamoDbLocalTestServer.client().putItem(b -> b.tableName(table).item(java.util.Map.of(
                    "pk", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS(old[0]),
                    "target", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS(old[1]),
                    "message", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS(
                            dev.tally.core.message.MessageCodec.toJsonString(m)),
                    "error", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS("boom"),
                    "attempts", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromN("3"),
                    "failedAt", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS(
                            Instant.now().toString()))));
        }
        java.util.List<String> operations = new java.util.concurrent.CopyOnWriteArrayList<>();
        var counting = software.amazon.awssdk.services.dynamodb.DynamoDbClient.builder()
                .endpointOverride(DynamoDbLocalTestServer.endpoint())
                .region(software.amazon.awssdk.regions.Region.US_EAST_1)
                .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create())
                .credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                        software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create("tallyLocal", "secret")))
                .overrideConfiguration(c -> c.addExecutionInterceptor(
                        new software.amazon.awssdk.core.interceptor.ExecutionInterceptor() {
                            @Override
                            public void beforeExecution(software.amazon.awssdk.core.interceptor.Context.BeforeExecution
                                    context, software.amazon.awssdk.core.interceptor.ExecutionAttributes attributes) {
                                operations.add(context.request().getClass().getSimpleName());
                            }
                        }))
                .build();
        DynamoDbDeadLetterStore store = new DynamoDbDeadLetterStore(counting, table);

        assertThat(store.list()).extracting(DeadLetter::source).containsExactlyInAnyOrder(
                new dev.tally.core.runtime.DeadLetterSource.BusTarget("balance"),
                new dev.tally.core.runtime.DeadLetterSource.Feed("dispatcher"));
        assertThat(store.count()).as("counted once by a scan, then kept").isEqualTo(2);
        store.add(DeadLetter.of(new dev.tally.core.runtime.DeadLetterSource.BusTarget("balance"), m, "x", 1,
                Instant.now()));
        store.add(DeadLetter.of(new dev.tally.core.runtime.DeadLetterSource.BusTarget("balance"), m, "x again", 2,
                Instant.now())); // the same letter again: replaced, not counted twice
        assertThat(store.remove("old-1")).isTrue();
        assertThat(store.remove("old-1")).isFalse();
        operations.clear();
        assertThat(store.count()).isEqualTo(2);
        assertThat(store.count()).isEqualTo(2);
        assertThat(operations).as("counting reads one item").containsOnly("GetItemRequest");
        assertThat(store.list()).hasSize(2).noneMatch(d -> d.id().startsWith("#"));
        counting.close();
    }
}
