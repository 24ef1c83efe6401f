package dev.tally.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.runtime.DeadLetter;
import dev.tally.core.message.StateCarryingMessage;
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

        DynamoDbCheckpoints checkpoints = new DynamoDbCheckpoints(DynamoDbLocalTestServer.client(), table);
        checkpoints.position("shard-1", "000123");
        assertThat(checkpoints.position("shard-1")).contains("000123");
        checkpoints.save("feed", 42);
        assertThat(checkpoints.load("feed")).isEqualTo(42);
        assertThat(checkpoints.load("none")).isZero();
    }
}
