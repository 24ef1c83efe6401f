package dev.tally.postgres;

import dev.tally.core.message.StateCarryingMessage;
import dev.tally.core.projection.Projection;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Handles a batch of state-carrying messages with SQL on the connection it is given, inside the
 * transaction that also moves the {@link PostgresProjectionRunner}'s checkpoint past them. What it
 * writes commits exactly when the checkpoint does, so even a side effect that is not idempotent
 * (an INSERT into an audit table, a counter increment) applies once per event, across crashes.
 *
 * <pre>{@code
 * JdbcHandler audit = (connection, messages) -> {
 *     try (PreparedStatement ps = connection.prepareStatement(
 *             "INSERT INTO audit (account_id, version, type) VALUES (?, ?, ?)")) {
 *         for (StateCarryingMessage m : messages) {
 *             ps.setString(1, m.aggregateId());
 *             ps.setLong(2, m.version());
 *             ps.setString(3, m.eventType());
 *             ps.addBatch();
 *         }
 *         ps.executeBatch();
 *     }
 * };
 * }</pre>
 *
 * <p>Rules: do not commit, roll back or change the auto-commit mode of the connection, and do not
 * keep it; throw to say "not handled" (the transaction rolls back, the checkpoint stays, the runner
 * retries by its failure policy). Only the database is transactional: a call to another system
 * from a handler can still happen twice.
 */
@FunctionalInterface
public interface JdbcHandler {

    void handle(Connection connection, List<StateCarryingMessage> messages) throws Exception;

    /** Writes the row the projection asks for of each message, with the writer's conditional write. */
    static <S, V> JdbcHandler projecting(Projection<S, V> projection, JdbcProjectionWriter<V> writer) {
        Objects.requireNonNull(projection, "projection");
        Objects.requireNonNull(writer, "writer");
        return (connection, messages) -> {
            // Only the newest row of each key can change anything: the writes are conditional
            // ("only when newer"), so a batch's older rows of a key would be stale after it.
            Map<String, Projection.Row<V>> newest = new LinkedHashMap<>();
            for (StateCarryingMessage m : messages) {
                Optional<Projection.Row<V>> row = projection.rowOf(m);
                if (row.isPresent()) {
                    newest.merge(row.get().key(), row.get(),
                            (kept, next) -> next.version() > kept.version() ? next : kept);
                }
            }
            if (newest.size() == 1) {
                Projection.Row<V> only = newest.values().iterator().next();
                writer.write(connection, only.key(), only.version(), only.view());
            } else if (!newest.isEmpty()) {
                writer.writeAll(connection, new ArrayList<>(newest.values()));
            }
        };
    }
}
