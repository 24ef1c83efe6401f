package dev.tally.core.upcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.AggregateDefinition;
import dev.tally.core.EventMetadata;
import dev.tally.core.EventStore;
import dev.tally.core.EventType;
import dev.tally.core.InvalidEventException;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.memory.InMemoryLedger;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Schema evolution: a payload changed shape (v1 had a float "amount" in units, v2 has integer
 * minor units and a currency). Old events stay as written; upcasters bring them to v2 on read.
 */
class UpcasterTest {
    record DepositV1(double amount) {
    }

    record Deposit(long cents, String currency) {
    }

    record Balance(long cents) {
    }

    static final EventType<DepositV1> DEPOSIT_V1 = EventType.of("Deposited", DepositV1.class, 1);
    static final EventType<Deposit> DEPOSIT_V2 = EventType.of("Deposited", Deposit.class, 2);

    static final Upcaster V1_TO_V2 = Upcaster.of("Deposited", 1, p -> {
        long cents = Math.round(p.get("amount").asDouble() * 100);
        p.remove("amount");
        return p.put("cents", cents).put("currency", "EUR");
    });

    private final InMemoryLedger ledger = new InMemoryLedger();

    @Test
    void eventsStoredAsV1AreReadAsV2() {
        AggregateDefinition<Balance> old = AggregateDefinition.builder("wallet", Balance.class)
                .initialState(new Balance(0))
                .on(DEPOSIT_V1, (b, e) -> new Balance(b.cents() + Math.round(e.payload().amount() * 100)))
                .build();
        EventStore<Balance> oldStore = EventStore.builder(old, ledger).build();
        oldStore.append("w", 0, DEPOSIT_V1, new DepositV1(12.34));
        oldStore.append("w", 1, DEPOSIT_V1, new DepositV1(0.1));

        AggregateDefinition<Balance> current = AggregateDefinition.builder("wallet", Balance.class)
                .initialState(new Balance(0))
                .on(DEPOSIT_V2, (b, e) -> new Balance(b.cents() + e.payload().cents()))
                .upcaster(V1_TO_V2)
                .build();
        EventStore<Balance> store = EventStore.builder(current, ledger).build();
        store.append("w", 2, DEPOSIT_V2, new Deposit(500, "EUR"));

        List<RecordedEvent> stored = store.read("w", ReadOptions.ALL);
        assertThat(stored).extracting(RecordedEvent::schemaVersion).containsExactly(1, 1, 2);
        assertThat(stored.get(0).payload().has("amount")).as("the ledger is never rewritten").isTrue();

        assertThat(store.events("w")).extracting(e -> e.payloadAs(DEPOSIT_V2))
                .containsExactly(new Deposit(1234, "EUR"), new Deposit(10, "EUR"), new Deposit(500, "EUR"));
        assertThat(store.load("w").state()).isEqualTo(new Balance(1744));
    }

    @Test
    void aMissingUpcasterStepIsNamedInTheError() {
        AggregateDefinition<Balance> v1 = AggregateDefinition.builder("wallet", Balance.class)
                .initialState(new Balance(0)).on(DEPOSIT_V1, (b, e) -> b).build();
        EventStore.builder(v1, ledger).build().append("w", 0, DEPOSIT_V1, new DepositV1(1));

        AggregateDefinition<Balance> noUpcaster = AggregateDefinition.builder("wallet", Balance.class)
                .initialState(new Balance(0)).on(DEPOSIT_V2, (b, e) -> b).build();
        assertThatThrownBy(() -> EventStore.builder(noUpcaster, ledger).build().load("w"))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageContaining("no upcaster for event type Deposited from schema v1 to v2");
    }

    @Test
    void aPayloadFromNewerCodeIsRefusedRatherThanMisread() {
        EventStore<Balance> newer = EventStore.builder(AggregateDefinition.builder("wallet", Balance.class)
                .initialState(new Balance(0)).on(EventType.of("Deposited", Deposit.class, 3), (b, e) -> b)
                .build(), ledger).build();
        newer.append("w", 0, EventType.of("Deposited", Deposit.class, 3), new Deposit(1, "EUR"));
        EventStore<Balance> older = EventStore.builder(AggregateDefinition.builder("wallet", Balance.class)
                .initialState(new Balance(0)).on(DEPOSIT_V2, (b, e) -> b).upcaster(V1_TO_V2).build(), ledger).build();
        assertThatThrownBy(() -> older.load("w")).hasMessageContaining("stored at schema v3")
                .hasMessageContaining("deploy the code that wrote it");
        assertThat(EventMetadata.empty().isEmpty()).isTrue();
    }
}
