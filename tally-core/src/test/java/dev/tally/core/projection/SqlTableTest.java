package dev.tally.core.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.AggregateDefinition;
import dev.tally.core.Decider;
import dev.tally.core.command.Command;
import dev.tally.core.command.Decision;
import org.junit.jupiter.api.Test;

/** An app's SQL table declaration: what it holds, and the names it refuses with what to write instead. */
class SqlTableTest {
    record Count(long value) {
    }

    sealed interface Added permits Plus {
    }

    record Plus(long by) implements Added {
    }

    sealed interface Add extends Command<Count> permits By {
    }

    record By(long by) implements Add {
    }

    record Total(long value, String label) {
    }

    static final AggregateDefinition<Count> COUNTER = AggregateDefinition.builder("counter", Count.class, Add.class,
            Added.class, Decider.<Add, Added, Count>of(new Count(0), (c, s) -> Decision.emit(new Plus(((By) c).by())),
                    (s, e) -> new Count(s.value() + ((Plus) e.payload()).by()))).build();
    static final Projection<Count, Total> TOTAL = Projection.of("total", COUNTER, Total.class,
            a -> new Total(a.state().value(), "n"));

    @Test
    void declaresTheProjectionsTableWithTypedColumnsInOrder() {
        SqlTable<Total> t = SqlTable.of(TOTAL, "reporting.totals").key("counter_id").bigint("value", Total::value)
                .text("label", Total::label).build();
        assertThat(t.projection()).isEqualTo("total");
        assertThat(t.table()).isEqualTo("reporting.totals");
        assertThat(t.columns()).extracting(SqlTable.Column::name).containsExactly("value", "label");
        assertThat(t.columns()).extracting(c -> c.type().sql()).containsExactly("bigint", "text");
        assertThat(t.columns().get(0).value().apply(new Total(7, "x"))).isEqualTo(7L);
        assertThat(SqlTable.of(TOTAL, "totals").bigint("value", Total::value).build().keyColumn()).isEqualTo("id");
    }

    @Test
    void refusesNamesSqlWouldMisreadAndColumnsThatClash() {
        assertThatThrownBy(() -> SqlTable.of(TOTAL, "Totals; drop").bigint("value", Total::value).build())
                .hasMessageContaining("SQL table name 'Totals; drop'").hasMessageContaining("bank_balances");
        assertThatThrownBy(() -> SqlTable.of(TOTAL, "totals").key("Counter Id").bigint("value", Total::value)
                .build()).hasMessageContaining("key column name 'Counter Id' is invalid");
        assertThatThrownBy(() -> SqlTable.of(TOTAL, "totals").bigint("view", Total::value).build())
                .hasMessageContaining("column view").hasMessageContaining("[version, view]");
        assertThatThrownBy(() -> SqlTable.of(TOTAL, "totals").key("value").bigint("value", Total::value).build())
                .hasMessageContaining("column value");
        assertThatThrownBy(() -> SqlTable.of(TOTAL, "totals").build()).hasMessageContaining("declares no column");
    }
}
