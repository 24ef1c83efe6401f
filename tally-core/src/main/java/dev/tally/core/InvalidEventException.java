package dev.tally.core;

/** An event, event type or stream id that breaks a rule; nothing was written. */
public final class InvalidEventException extends TallyException {
    public InvalidEventException(String message) {
        super(message);
    }

    public InvalidEventException(String message, Throwable cause) {
        super(message, cause);
    }
}
