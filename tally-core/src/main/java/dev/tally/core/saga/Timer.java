package dev.tally.core.saga;

import java.time.Instant;
import java.util.Objects;

/**
 * A durable timeout a saga asked for: when {@code dueAt} has passed, the runtime delivers it to the
 * saga {@code sagaName} instance {@code sagaId} (at least once; the saga ignores a timer it no longer
 * waits for). The {@code id} is deterministic (derived from the saga instance and the step that
 * scheduled it), so scheduling the same timer twice, as a redelivered message does, stores one.
 *
 * @param id       unique and deterministic; at most 64 characters of {@code [A-Za-z0-9_.-]} (it is
 *                 used as an EventBridge Scheduler schedule name on AWS)
 * @param sagaName the saga's name, as registered with the runtime
 * @param sagaId   the saga instance (its aggregate id in the ledger)
 * @param name     what the timeout is for, such as {@code "payment-deadline"}
 * @param dueAt    when it fires, at the earliest
 * @param payload  JSON text the saga gets back when it fires ({@code "{}"} when none)
 */
public record Timer(String id, String sagaName, String sagaId, String name, Instant dueAt, String payload) {

    public Timer {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(sagaName, "sagaName");
        Objects.requireNonNull(sagaId, "sagaId");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dueAt, "dueAt");
        payload = payload == null || payload.isBlank() ? "{}" : payload;
        if (id.isEmpty() || id.length() > 64 || !id.matches("[A-Za-z0-9_.-]+")) {
            throw new IllegalArgumentException("timer id must be 1-64 characters of [A-Za-z0-9_.-], was '" + id + "'");
        }
    }
}
