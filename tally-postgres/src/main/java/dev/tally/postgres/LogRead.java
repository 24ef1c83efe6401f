package dev.tally.postgres;

import dev.tally.core.spi.LoggedEvent;
import java.util.List;

/**
 * One read of the ledger's global order: the events that are safe to hand out, and whether newer,
 * already committed events are held back because an older transaction is still running.
 *
 * @param events  ascending by position; never an event whose predecessor in the order may still commit
 * @param waiting true when committed events exist beyond what was returned and are held back until
 *                every older transaction ends (a change feed polls again soon instead of idling)
 */
public record LogRead(List<LoggedEvent> events, boolean waiting) {
    public LogRead {
        events = List.copyOf(events);
    }
}
