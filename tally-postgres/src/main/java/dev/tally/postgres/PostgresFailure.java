package dev.tally.postgres;

import dev.tally.core.TallyException;
import java.sql.SQLException;

/**
 * PostgreSQL could not do what Tally asked (the database is unreachable, a table is missing, a
 * permission is lacking...). The message says what Tally was doing, what PostgreSQL answered
 * (with its SQLSTATE) and what to check; the cause is the driver's exception.
 */
public final class PostgresFailure extends TallyException {
    private final String sqlState;

    public PostgresFailure(String message, SQLException cause) {
        super(message, cause);
        this.sqlState = cause == null ? null : cause.getSQLState();
    }

    public PostgresFailure(String message) {
        super(message);
        this.sqlState = null;
    }

    /** PostgreSQL's SQLSTATE, e.g. "42P01" for a missing table; null when there was none. */
    public String sqlState() {
        return sqlState;
    }
}
