package dev.tally.core.spi;

import dev.tally.core.RecordedEvent;

/** An event and its position in the ledger's global order. */
public record LoggedEvent(long position, RecordedEvent event) {
}
