package dev.tally.core.runtime;

import dev.tally.core.spi.ClaimResolver;
import dev.tally.core.message.Message;
import java.time.Instant;
import java.util.Objects;

/**
 * Something that could not be handled within its failure policy. Kept until redriven or removed;
 * nothing is dropped.
 *
 * @param source  who gave up on it, and so where a redrive sends it
 * @param ref     the ledger event it is about (always kept)
 * @param message the message itself, or null when only the reference was kept (a body too large
 *                for the store, or a ledger record that could not be decoded)
 */
public record DeadLetter(String id, DeadLetterSource source, MessageRef ref, Message message, String error,
                         int attempts, Instant failedAt) {
    public DeadLetter {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(ref, "ref");
        Objects.requireNonNull(failedAt, "failedAt");
        error = error == null ? "" : error;
    }

    public static DeadLetter of(DeadLetterSource source, Message message, String error, int attempts, Instant at) {
        return new DeadLetter(idOf(source, MessageRef.of(message)), source, MessageRef.of(message), message, error,
                attempts, at);
    }

    /** A dead letter that only names its ledger event (its body is read again on redrive). */
    public static DeadLetter reference(DeadLetterSource source, MessageRef ref, String error, int attempts,
                                       Instant at) {
        return new DeadLetter(idOf(source, ref), source, ref, null, error, attempts, at);
    }

    /**
     * The letter of the state-carrying message of a ledger event, or, when that message cannot be
     * built (an unreadable record, a reducer that fails), a reference to the event that says why.
     */
    public static DeadLetter ofStateOf(DeadLetterSource source, dev.tally.core.RecordedEvent event,
                                       java.util.function.Function<dev.tally.core.RecordedEvent, ? extends Message> build,
                                       String error, int attempts, Instant at) {
        try {
            return of(source, build.apply(event), error, attempts, at);
        } catch (RuntimeException unbuildable) {
            return reference(source, new MessageRef(dev.tally.core.message.MessageKind.STATE_CARRYING, event.store(),
                    event.aggregateId(), event.version()), error + " (and its message cannot be built: " + unbuildable
                    + ")", attempts, at);
        }
    }

    /**
     * The id of a source's dead letter about one ledger event: derived, not random, so a dead
     * letter written again (after a crash between writing it and forgetting what it came from)
     * replaces the first instead of doubling it.
     */
    public static String idOf(DeadLetterSource source, MessageRef ref) {
        String key = source.kind() + ":" + source.name() + "|" + ref;
        return java.util.UUID.nameUUIDFromBytes(key.getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString();
    }

    public boolean hasBody() {
        return message != null;
    }

    /** The same letter without its body. */
    public DeadLetter withoutBody() {
        return new DeadLetter(id, source, ref, null, error, attempts, failedAt);
    }

    /** The message, read back from the ledger through {@code claims} when only the reference was kept. */
    public Message resolve(ClaimResolver claims) {
        return message != null ? message : claims.resolve(ref.kind(), ref.store(), ref.aggregateId(), ref.version());
    }
}
