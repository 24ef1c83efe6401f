package dev.tally.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.EventStore;
import dev.tally.core.message.StateCarryingMessage;
import dev.tally.core.runtime.Dispatcher;
import dev.tally.core.spi.LoggedEvent;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The runners of a pipeline take the message another runner built for the same ledger position,
 * and build their own (the same content) once it has dropped out of the shared window.
 */
class SharedMessagesTest {
    private final PostgresTables tables = TestDatabase.freshTables("shared_messages");
    private final PostgresLedger ledger = new PostgresLedger(TestDatabase.dataSource(), tables);
    private final EventStore<Tallies.Tally> tallies = EventStore.builder(Tallies.DEFINITION, ledger).build();

    private Dispatcher dispatcher() {
        return new Dispatcher(List.of(tallies), messages -> {
            throw new UnsupportedOperationException("not published");
        });
    }

    @Test
    void aSecondRunnerTakesTheMessageTheFirstBuiltAndLaterOnesBuildTheirOwnOutsideTheWindow() {
        tallies.execute("a", Tallies.add(1));
        tallies.execute("a", Tallies.add(2));
        tallies.execute("b", Tallies.add(3));
        List<LoggedEvent> log = ledger.readAfter(0, 10);
        assertThat(log).hasSize(3);
        SharedMessages shared = new SharedMessages(2);
        Dispatcher first = dispatcher();
        Dispatcher second = dispatcher();

        StateCarryingMessage a2 = shared.messageFor(log.get(1), first);
        assertThat(shared.messageFor(log.get(1), second)).isSameAs(a2);
        assertThat(a2.aggregate(Tallies.Tally.class).state()).isEqualTo(new Tallies.Tally(3, 2));

        shared.messageFor(log.get(0), first);
        shared.messageFor(log.get(2), first); // a window of 2: a2 drops out
        StateCarryingMessage rebuilt = shared.messageFor(log.get(1), second);
        assertThat(rebuilt).isNotSameAs(a2).isEqualTo(a2);
    }
}
