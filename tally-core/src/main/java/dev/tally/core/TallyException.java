package dev.tally.core;

/**
 * Base of every error Tally raises on purpose. Each subclass says what was wrong, what was
 * expected and what to do, so the message can be shown to a user as it is.
 */
public abstract class TallyException extends RuntimeException {
    protected TallyException(String message) {
        super(message);
    }

    protected TallyException(String message, Throwable cause) {
        super(message, cause);
    }
}
