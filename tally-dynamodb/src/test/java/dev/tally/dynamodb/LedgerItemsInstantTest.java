package dev.tally.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The ledger's timestamps read back exactly as Instant.parse reads them. */
class LedgerItemsInstantTest {
    @Test
    void everyShapeInstantToStringWritesReadsBackTheSame() {
        Random random = new Random(42);
        for (int i = 0; i < 20_000; i++) {
            long seconds = random.nextLong(-62_135_596_800L, 253_402_300_799L); // years 0001-9999
            int nanos = switch (i % 4) {
                case 0 -> 0;
                case 1 -> random.nextInt(1000) * 1_000_000;
                case 2 -> random.nextInt(1_000_000) * 1_000;
                default -> random.nextInt(1_000_000_000);
            };
            Instant t = Instant.ofEpochSecond(seconds, nanos);
            assertThat(LedgerItems.instant(t.toString())).as(t.toString()).isEqualTo(t);
        }
    }

    @Test
    void otherShapesAndBadValuesBehaveAsInstantParse() {
        for (String s : new String[] {"2026-12-07T18:09:08.1Z", "2026-02-28T23:59:59.123456789Z", "2024-02-29T00:00:00Z",
            "+12026-12-07T18:09:08Z", "2026-12-07T18:09:08+01:00", "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z",
            "2026-12-07T24:00:00Z", "2026-12-07T18:09:08.Z", "2026-12-07T23:59:60Z", "2026-12-07 18:09:08Z",
            "2026-1a-07T18:09:08Z", "2026-12-07T18:09:08.1234567890Z"}) {
            Instant expected;
            try {
                expected = Instant.parse(s);
            } catch (DateTimeParseException e) {
                assertThatThrownBy(() -> LedgerItems.instant(s)).as(s).isInstanceOf(DateTimeParseException.class);
                continue;
            }
            assertThat(LedgerItems.instant(s)).as(s).isEqualTo(expected);
        }
        assertThatThrownBy(() -> LedgerItems.instant("2026-02-30T00:00:00Z")).isInstanceOf(DateTimeParseException.class);
    }
}
