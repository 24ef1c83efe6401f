package dev.tally.core.internal;

import dev.tally.core.message.Message;
import dev.tally.core.runtime.MessageRef;
import java.time.Instant;
import java.util.Objects;

/**
 * A delivery a bus has accepted and not yet finished: a message for one target, how many attempts
 * failed so far, and when to try next. Its id is derived from the target and the message, so the
 * same message accepted twice for the same target is one delivery (same id, same content).
 *
 * @param message the message, or null when only its ledger reference could be kept or read back (a
 *                claim check, a stored item that no longer decodes): it is read from the ledger when
 *                it is delivered, under the target's failure policy
 * @param ref     the ledger event the message is about
 */
public record PendingDelivery(String id, String target, Message message, MessageRef ref, int failedAttempts,
                              Instant dueAt, String lastError) {
    public PendingDelivery {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(ref, "ref");
        Objects.requireNonNull(dueAt, "dueAt");
    }

    public static String idOf(String target, Message message) {
        return target + "|" + message.id();
    }

    public static PendingDelivery first(String target, Message message, Instant now) {
        return new PendingDelivery(idOf(target, message), target, message, MessageRef.of(message), 0, now, null);
    }

    public PendingDelivery failed(String error, Instant nextAttemptAt) {
        return new PendingDelivery(id, target, message, ref, failedAttempts + 1, nextAttemptAt, error);
    }

    /** The same delivery carrying the message read back from the ledger. */
    public PendingDelivery withMessage(Message resolved) {
        return new PendingDelivery(id, target, resolved, ref, failedAttempts, dueAt, lastError);
    }
}
