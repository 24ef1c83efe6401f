package dev.tally.postgres;

import dev.tally.core.projection.Projection;
import dev.tally.core.projection.ProjectionWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * A {@link ProjectionWriter} that can also write on a connection it is given, inside the caller's
 * transaction: how a {@link PostgresProjectionRunner} commits a view together with its checkpoint.
 * The write is the same conditional statement as {@link #write(String, long, Object)} (the view
 * is stored only when {@code version} is newer than the stored one) and commits nothing itself.
 *
 * <p>{@link SqlTableProjectionWriter} and {@link PostgresProjectionWriter} implement it. The
 * connection must reach the tables the writer's own DataSource reaches (the same database).
 *
 * @param <V> the view type
 */
public interface JdbcProjectionWriter<V> extends ProjectionWriter<V> {

    /**
     * Stores the view on {@code connection} if {@code version} is newer than the stored one; tells
     * which happened. Neither commits nor rolls back: the caller's transaction decides.
     */
    WriteOutcome write(Connection connection, String key, long version, V view) throws SQLException;

    /**
     * Stores each row as {@link #write(Connection, String, long, Object)} would, in order, on
     * {@code connection}; a runner's batch goes through here. Writers on PostgreSQL send the whole
     * list as one JDBC batch (one round trip); this default writes them one by one.
     */
    default void writeAll(Connection connection, List<Projection.Row<V>> rows) throws SQLException {
        for (Projection.Row<V> row : rows) {
            write(connection, row.key(), row.version(), row.view());
        }
    }
}
