package dev.tally.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.projection.ProjectionWriter;
import dev.tally.core.projection.Versioned;
import dev.tally.testing.ProjectionWriterContract;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The projection writer contract for JSONB views in the shared views table. */
class PostgresProjectionWriterContractTest extends ProjectionWriterContract {
    private static final PostgresTables TABLES = TestDatabase.freshTables("views_contract");

    @Override
    protected ProjectionWriter<TestView> writer(String projectionName) {
        return new PostgresProjectionWriter<>(TestDatabase.dataSource(), TABLES, projectionName, TestView.class);
    }

    /** A listing's cursor is opaque: a key, or any string it did not give out, is refused (HTTP: invalid_cursor). */
    @Test
    void aCursorTheListingDidNotGiveOutIsRefused() {
        ProjectionWriter<TestView> w = writer("cursors");
        for (String key : List.of("a", "b", "c")) {
            w.write(key, 1, new TestView(key, 1, List.of()));
        }
        Page<Versioned<TestView>> first = w.list(new PageRequest(null, 1));
        assertThat(first.items()).extracting(Versioned::key).containsExactly("a");
        assertThat(w.list(new PageRequest(first.nextCursor(), 1)).items()).extracting(Versioned::key)
                .containsExactly("b");
        for (String foreign : List.of("AAAA", "a", "k!!", "k" + first.nextCursor())) {
            assertThatThrownBy(() -> w.list(new PageRequest(foreign, 1))).as(foreign)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nextCursor");
        }
    }
}
