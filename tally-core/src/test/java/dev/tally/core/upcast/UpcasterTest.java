package dev.tally.core.upcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.AggregateDefinition;
import dev.tally.core.Decider;
import dev.tally.core.Event;
import dev.tally.core.EventMetadata;
import dev.tally.core.EventStore;
import dev.tally.core.InvalidEventException;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.command.Command;
import dev.tally.core.command.Decision;
import dev.tally.core.memory.InMemoryLedger;
import java.util.List;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/**
 * Schema evolution: a payload changed shape (v1 had a float "amount" in units, v2 has integer
 * minor units and a currency). Old events stay as written; upcasters bring them to v2 on read.
 */
class UpcasterTest {
    /** What the old code wrote. */
    sealed interface OldEvent permits DepositV1 {
    }

    record DepositV1(double amount) implements OldEvent {
    }

    /** What the current code writes. */
    sealed interface WalletEvent permits Deposit {
    }

    record Deposit(long cents, String currency) implements WalletEvent {
    }

    record Balance(long cents) {
    }

    sealed interface WalletCommand extends Command<Balance> permits Noop {
    }

    record Noop() implements WalletCommand {
    }

    static final Upcaster V1_TO_V2 = Upcaster.of("Deposited", 1, p -> {
        long cents = Math.round(p.get("amount").asDouble() * 100);
        p.remove("amount");
        return p.put("cents", cents).put("currency", "EUR");
    });

    private final InMemoryLedger ledger = new InMemoryLedger();

    static <E> AggregateDefinition.Builder<Balance> wallet(Class<E> events, BiFunction<Balance, Event<E>, Balance> evolve) {
        return AggregateDefinition.builder("wallet", Balance.class, WalletCommand.class, events,
                Decider.of(new Balance(0), (WalletCommand c, Balance b) -> Decision.<E>nothing(), evolve));
    }

    static AggregateDefinition.Builder<Balance> current() {
        return wallet(WalletEvent.class, (b, e) -> new Balance(b.cents() + ((Deposit) e.payload()).cents()))
                .event(Deposit.class, "Deposited", 2);
    }

    @Test
    void eventsStoredAsV1AreReadAsV2() {
        AggregateDefinition<Balance> old = wallet(OldEvent.class,
                (b, e) -> new Balance(b.cents() + Math.round(((DepositV1) e.payload()).amount() * 100)))
                .event(DepositV1.class, "Deposited", 1).build();
        EventStore<Balance> oldStore = EventStore.builder(old, ledger).build();
        oldStore.append("w", 0, new DepositV1(12.34));
        oldStore.append("w", 1, new DepositV1(0.1));

        EventStore<Balance> store = EventStore.builder(current().upcaster(V1_TO_V2).build(), ledger).build();
        store.append("w", 2, new Deposit(500, "EUR"));

        List<RecordedEvent> stored = store.read("w", ReadOptions.ALL);
        assertThat(stored).extracting(RecordedEvent::schemaVersion).containsExactly(1, 1, 2);
        assertThat(stored.get(0).payload().has("amount")).as("the ledger is never rewritten").isTrue();

        assertThat(store.events("w")).extracting(e -> (Object) e.payload())
                .containsExactly(new Deposit(1234, "EUR"), new Deposit(10, "EUR"), new Deposit(500, "EUR"));
        assertThat(store.load("w").state()).isEqualTo(new Balance(1744));
    }

    @Test
    void aMissingUpcasterStepIsNamedInTheError() {
        AggregateDefinition<Balance> v1 = wallet(OldEvent.class, (b, e) -> b).event(DepositV1.class, "Deposited", 1)
                .build();
        EventStore.builder(v1, ledger).build().append("w", 0, new DepositV1(1));

        assertThatThrownBy(() -> EventStore.builder(current().build(), ledger).build().load("w"))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageContaining("no upcaster for event type Deposited from schema v1 to v2");
    }

    @Test
    void aPayloadFromNewerCodeIsRefusedRatherThanMisread() {
        EventStore<Balance> newer = EventStore.builder(wallet(WalletEvent.class, (b, e) -> b)
                .event(Deposit.class, "Deposited", 3).build(), ledger).build();
        newer.append("w", 0, new Deposit(1, "EUR"));
        EventStore<Balance> older = EventStore.builder(current().upcaster(V1_TO_V2).build(), ledger).build();
        assertThatThrownBy(() -> older.load("w")).hasMessageContaining("stored at schema v3")
                .hasMessageContaining("deploy the code that wrote it");
        assertThat(EventMetadata.empty().isEmpty()).isTrue();
    }

    @Test
    void anUpcasterBeyondTheCurrentSchemaVersionSaysHowToPinIt() {
        assertThatThrownBy(() -> wallet(WalletEvent.class, (b, e) -> b).upcaster(V1_TO_V2).build())
                .hasMessageContaining("does not have (its events are [Deposit])")
                .hasMessageContaining(".event(TheRecord.class, \"Deposited\", 2)");
    }
}
