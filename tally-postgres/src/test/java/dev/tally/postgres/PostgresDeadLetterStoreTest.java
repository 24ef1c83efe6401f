package dev.tally.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.message.StateCarryingMessage;
import dev.tally.core.runtime.DeadLetter;
import dev.tally.core.runtime.DeadLetterSource;
import dev.tally.core.runtime.MessageRef;
import dev.tally.testing.TestEvents;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What the PostgreSQL dead-letter store does beyond the contract. */
class PostgresDeadLetterStoreTest {
    private static final Instant T0 = Instant.parse("2026-11-29T10:00:00Z");

    private final PostgresTables tables = TestDatabase.freshTables("dlq");
    private final PostgresDeadLetterStore store = new PostgresDeadLetterStore(TestDatabase.dataSource(), tables);

    private static DeadLetter letter(int i) {
        StateCarryingMessage m = new StateCarryingMessage(TestEvents.event("bank-account", "acc-" + i, 1),
                JsonCodec.object().put("balance", 100 + i));
        return new DeadLetter("dl-" + i, new DeadLetterSource.Feed("balance"), MessageRef.of(m), m, "boom", 3,
                T0.plusMillis(i));
    }

    @Test
    void theBodyIsTheWireFormatAndSqlCanReadTheCarriedState() throws Exception {
        store.add(letter(7));
        try (Connection c = TestDatabase.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT source_kind, source_name, ref_aggregate_id,"
                     + " message::jsonb -> 'aggregate' -> 'state' ->> 'balance' FROM " + tables.deadLetters()
                     + " ORDER BY failed_at, id");
             ResultSet rs = ps.executeQuery()) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("feed");
            assertThat(rs.getString(2)).isEqualTo("balance");
            assertThat(rs.getString(3)).isEqualTo("acc-7");
            assertThat(rs.getString(4)).isEqualTo("107");
        }
    }

    @Test
    void anErrorWithANulCharacterIsStoredEscapedAndALongOneIsCut() {
        DeadLetter nul = new DeadLetter("nul", new DeadLetterSource.Feed("balance"), letter(1).ref(), null,
                "bad byte \0 here", 1, T0);
        store.add(nul);
        assertThat(store.get("nul").orElseThrow().error()).isEqualTo("bad byte \\u0000 here");
        DeadLetter longError = new DeadLetter("long", new DeadLetterSource.Feed("balance"), letter(1).ref(), null,
                "x".repeat(PostgresDeadLetterStore.MAX_ERROR_CHARS + 100), 1, T0);
        store.add(longError);
        assertThat(store.get("long").orElseThrow().error()).hasSize(PostgresDeadLetterStore.MAX_ERROR_CHARS + 3)
                .endsWith("...");
    }

    @Test
    void aCursorOfAnotherStoreIsRefusedWithWhatToPass() {
        assertThatThrownBy(() -> store.page(new PageRequest("17", 10)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nextCursor");
    }

    @Test
    void withALimitOfZeroEveryLetterKeepsOnlyItsReference() {
        PostgresDeadLetterStore referencesOnly = new PostgresDeadLetterStore(TestDatabase.dataSource(), tables, 0);
        ObjectNode state = JsonCodec.object().put("balance", 1);
        StateCarryingMessage m = new StateCarryingMessage(TestEvents.event("bank-account", "tiny", 1), state);
        referencesOnly.add(DeadLetter.of(new DeadLetterSource.BusTarget("notifier"), m, "boom", 1, T0));
        List<DeadLetter> all = new ArrayList<>(referencesOnly.list());
        assertThat(all).singleElement().satisfies(d -> {
            assertThat(d.hasBody()).isFalse();
            assertThat(d.ref()).isEqualTo(MessageRef.of(m));
        });
    }
}
