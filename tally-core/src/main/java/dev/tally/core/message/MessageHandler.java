package dev.tally.core.message;

/**
 * Receives messages. Deliveries are at least once and in any order: a handler must be idempotent
 * and order-proof (a {@code ProjectionWriter} makes that easy). Throwing means "not handled":
 * the delivery is retried, then dead-lettered.
 */
@FunctionalInterface
public interface MessageHandler {
    void handle(Message message) throws Exception;
}
