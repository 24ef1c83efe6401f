package dev.tally.core.message;

import java.time.Instant;

/**
 * A message a target could not handle within its retry policy. Kept until redriven or removed;
 * nothing is dropped.
 */
public record DeadLetter(String id, String target, Message message, String error, int attempts,
                         Instant failedAt) {
}
