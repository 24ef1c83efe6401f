package dev.tally.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.EventMetadata;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.json.JsonCodec;
import dev.tally.testing.TestEvents;
import java.math.BigDecimal;
import java.util.List;
import java.util.UUID;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/** JSONB stores numbers as numeric; whatever number a payload holds reads back equal. */
class JsonbNumbersPropertyTest {
    private static final PostgresLedger LEDGER = new PostgresLedger(TestDatabase.dataSource(),
            TestDatabase.freshTables("jsonb_numbers"));

    @Property(tries = 200)
    void anyFiniteDoubleLongAndDecimalReadsBackEqual(@ForAll double d, @ForAll long l, @ForAll BigDecimal exact) {
        if (!Double.isFinite(d)) {
            return;
        }
        ObjectNode payload = JsonCodec.object();
        payload.put("double", d);
        payload.put("long", l);
        payload.put("decimal", exact);
        payload.putArray("mixed").add(d).add(l).add(exact);
        RecordedEvent e = TestEvents.event("numbers", "n-" + UUID.randomUUID(), 1, "Numbers", payload,
                EventMetadata.empty());
        LEDGER.append(List.of(e));
        assertThat(LEDGER.read(e.store(), e.aggregateId(), ReadOptions.ALL)).containsExactly(e);
    }
}
