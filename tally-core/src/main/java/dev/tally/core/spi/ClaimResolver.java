package dev.tally.core.spi;


import dev.tally.core.message.Message;
import dev.tally.core.message.MessageKind;
/**
 * Turns a claim check (a message too large for its transport, sent as the coordinates of its
 * event) back into the full message. The ledger is the claim store: the event and the aggregate
 * as of it can always be read again, so nothing else needs to hold the payload.
 */
@FunctionalInterface
public interface ClaimResolver {
    Message resolve(MessageKind kind, String store, String aggregateId, long version);

    /** For receivers that never expect claim checks: fails with a message that says what to wire. */
    ClaimResolver NONE = (kind, store, id, version) -> {
        throw new IllegalStateException("received a claim check for " + store + "/" + id + "@" + version
                + " (the message was too large for the bus) but this receiver has no ClaimResolver: give it one"
                + " (a Dispatcher over the same event stores resolves claims from the ledger)");
    };
}
