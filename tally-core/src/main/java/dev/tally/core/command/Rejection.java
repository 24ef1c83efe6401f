package dev.tally.core.command;

import java.util.Objects;

/**
 * A business rule said no (an overdraft, a closed account). Not an error and never retried: it is
 * the command's answer.
 *
 * @param code    stable, machine-readable (e.g. "insufficient_funds")
 * @param message for people: what was asked and why it was refused
 */
public record Rejection(String code, String message) {
    public Rejection {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(message, "message");
    }
}
