package dev.tally.examples.bank;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.aws.EventBridgeEvents;
import dev.tally.core.EventMetadata;
import dev.tally.core.RecordedEvent;
import dev.tally.core.ReplayRequested;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.memory.InMemoryProjectionWriter;
import dev.tally.core.message.Message;
import dev.tally.core.message.NotificationMessage;
import dev.tally.core.message.StateCarryingMessage;
import dev.tally.core.projection.Projector;
import dev.tally.local.LocalEventBridge;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.event.ruler.Machine;

/**
 * The bank's rule patterns, checked with AWS's own event-ruler against sample EventBridge events,
 * so the same JSON can go into the deployment template.
 */
class BankEventPatternsTest {
    final BankProjections projections = new BankProjections(new InMemoryProjectionWriter<>("b"),
            new InMemoryProjectionWriter<>("t"), new InMemoryProjectionWriter<>("m"));

    static StateCarryingMessage state(String store, String type, ObjectNode payload) {
        return new StateCarryingMessage(new RecordedEvent(store, "alice", 3, type, 1, Instant.now(), payload,
                EventMetadata.empty()), JsonCodec.object().put("balance", 70));
    }

    @Test
    void eachProjectorsPatternIsExactlyItsStoresStateCarryingEvents() throws Exception {
        Machine machine = new Machine();
        for (Projector<Account, ?> p : projections.projectors()) {
            ObjectNode pattern = EventBridgeEvents.pattern(p.projection().filter());
            assertThat(pattern.toString()).isEqualTo("{\"source\":[\"bank-account\"],\"detail\":{\"kind\":"
                    + "[\"state-carrying\"]}}");
            machine.addRule(p.name(), pattern.toString());
        }
        Message credit = state("bank-account", "Credited", JsonCodec.object().put("amount", 100));
        Message debit = state("bank-account", "Debited", JsonCodec.object().put("amount", 30));
        Message replay = state("bank-account", ReplayRequested.TYPE_NAME, JsonCodec.object().put("reason", "x"));
        Message counter = state("counter", "Incremented", JsonCodec.object());
        Message notification = new NotificationMessage(((StateCarryingMessage) debit).event());

        List<String> all = List.of(BankProjections.BALANCE, BankProjections.LAST_TRANSACTION,
                BankProjections.LAST_MONTH_BALANCE);
        assertThat(machine.rulesForJSONEvent(LocalEventBridge.envelopeOf(credit).toString()))
                .containsExactlyInAnyOrderElementsOf(all);
        assertThat(machine.rulesForJSONEvent(LocalEventBridge.envelopeOf(debit).toString()))
                .containsExactlyInAnyOrderElementsOf(all);
        assertThat(machine.rulesForJSONEvent(LocalEventBridge.envelopeOf(replay).toString()))
                .as("replays reach every projector").containsExactlyInAnyOrderElementsOf(all);
        assertThat(machine.rulesForJSONEvent(LocalEventBridge.envelopeOf(counter).toString())).isEmpty();
        assertThat(machine.rulesForJSONEvent(LocalEventBridge.envelopeOf(notification).toString())).isEmpty();
    }

    @Test
    void aDebitOnlyRuleMatchesDebitsOnly() throws Exception {
        Machine machine = new Machine();
        ObjectNode pattern = EventBridgeEvents.pattern(projections.projectors().get(0).projection().filter()
                .withEventTypes(java.util.Set.of("Debited")));
        machine.addRule("debits", pattern.toString());
        assertThat(machine.rulesForJSONEvent(LocalEventBridge.envelopeOf(
                state("bank-account", "Debited", JsonCodec.object())).toString())).containsExactly("debits");
        assertThat(machine.rulesForJSONEvent(LocalEventBridge.envelopeOf(
                state("bank-account", "Credited", JsonCodec.object())).toString())).isEmpty();
    }
}
