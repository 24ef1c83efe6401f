package dev.tally.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.EventStore;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** {@code --chaos-unreachable}: which stores a saga cannot reach, and a typo refused at start. */
class UnreachableStoresTest {
    sealed interface Counted permits Added {
    }

    record Added(long by) implements Counted {
    }

    record Count(long value) {
    }

    sealed interface CountCommand extends dev.tally.core.command.Command<Count> permits Add {
    }

    record Add(long by) implements CountCommand {
    }

    static final dev.tally.core.AggregateDefinition<Count> COUNTER = dev.tally.core.AggregateDefinition.builder(
            "counter", Count.class, CountCommand.class, Counted.class,
            dev.tally.core.Decider.<CountCommand, Counted, Count>of(new Count(0),
                    (c, s) -> dev.tally.core.command.Decision.emit(new Added(((Add) c).by())),
                    (s, e) -> new Count(s.value() + ((Added) e.payload()).by()))).build();
    static final EventStore<?> SERVED = EventStore.builder(COUNTER, new dev.tally.core.memory.InMemoryLedger()).build();

    @Test
    void onlyTheNamedStoresFailAndTheFailureSaysHowToReachThemAgain() {
        Map<String, EventStore<?>> stores = Map.of("inventory", SERVED);
        Function<String, EventStore<?>> sagaView = new UnreachableStores(List.of("bank-account")).around(name -> {
            if (!name.equals("inventory")) {
                throw new AssertionError("the wrapper asked for " + name);
            }
            return stores.get(name);
        });
        assertThat(sagaView.apply("inventory")).isSameAs(SERVED);
        assertThatThrownBy(() -> sagaView.apply("bank-account"))
                .isInstanceOf(UnreachableStores.StoreUnreachable.class)
                .hasMessageContaining("'bank-account' is unreachable")
                .hasMessageContaining("--chaos-unreachable bank-account")
                .hasMessageContaining("without the flag");
    }

    @Test
    void noStoresMeansTheStoresAsServed() {
        Function<String, EventStore<?>> served = name -> SERVED;
        assertThat(new UnreachableStores(List.of()).around(served)).isSameAs(served);
        assertThat(new UnreachableStores(null).isEmpty()).isTrue();
    }

    @Test
    void aStoreThatIsNotServedIsRefusedNamingTheServedOnes() {
        UnreachableStores chaos = new UnreachableStores(List.of("bank-acount"));
        assertThatThrownBy(() -> chaos.requireServed(List.of("order", "bank-account", "inventory")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--chaos-unreachable bank-acount: no store 'bank-acount' is served")
                .hasMessageContaining("[bank-account, inventory, order]");
    }
}
