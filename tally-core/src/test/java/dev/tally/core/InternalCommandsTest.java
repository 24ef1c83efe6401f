package dev.tally.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.memory.InMemoryLedger;
import org.junit.jupiter.api.Test;

/** Commands an app declares internal: known to the definition by name, still executed in process. */
class InternalCommandsTest {
    @Test
    void aDefinitionKnowsItsInternalCommandsByName() {
        AggregateDefinition<Fixtures.Total> d = Fixtures.builder(Fixtures::evolve)
                .internalCommands(Fixtures.Decide.class).build();
        assertThat(d.internalCommands()).containsExactly("Decide");
        assertThat(d.isInternal("Decide")).isTrue();
        assertThat(d.isInternal("Add")).isFalse();
        assertThat(d.commandTypes()).containsKeys("Add", "Decide");
        assertThat(Fixtures.TOTAL.internalCommands()).as("none unless declared").isEmpty();
    }

    @Test
    void anInternalCommandIsStillExecutedInProcess() {
        AggregateDefinition<Fixtures.Total> d = Fixtures.builder(Fixtures::evolve)
                .internalCommands(Fixtures.Add.class).build();
        EventStore<Fixtures.Total> store = EventStore.builder(d, new InMemoryLedger()).build();
        assertThat(store.execute("t1", new Fixtures.Add(5)).isAccepted()).isTrue();
        assertThat(store.load("t1").state().sum()).isEqualTo(5);
    }

    @Test
    void aClassThatIsNotOneOfTheCommandsIsRefusedNamingTheCommands() {
        assertThatThrownBy(() -> Fixtures.builder(Fixtures::evolve).internalCommands(String.class).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("java.lang.String is declared an internal command of")
                .hasMessageContaining("[Add, Decide]");
    }
}
