package dev.tally.core.runtime;

import dev.tally.core.message.Message;
import dev.tally.core.message.MessageKind;
import java.util.Objects;

/**
 * Where a message's event lives in the ledger: enough to rebuild the message (the ledger is the
 * claim store), so a dead letter too large for its store can keep this instead of the body.
 */
public record MessageRef(MessageKind kind, String store, String aggregateId, long version) {
    public MessageRef {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(aggregateId, "aggregateId");
    }

    public static MessageRef of(Message m) {
        return new MessageRef(m.kind(), m.store(), m.aggregateId(), m.version());
    }

    @Override
    public String toString() {
        return kind.wireName() + ":" + store + "/" + aggregateId + "@" + version;
    }
}
