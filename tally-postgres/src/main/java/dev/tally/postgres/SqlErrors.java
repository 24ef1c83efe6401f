package dev.tally.postgres;

import java.sql.SQLException;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/** Turns the driver's exceptions into messages a user can act on. */
final class SqlErrors {
    static final String UNIQUE_VIOLATION = "23505";
    static final String UNDEFINED_TABLE = "42P01";
    static final String UNDEFINED_FUNCTION = "42883";
    static final String UNDEFINED_COLUMN = "42703";
    static final String NO_UNIQUE_CONSTRAINT_FOR_ON_CONFLICT = "42P10";
    static final String INSUFFICIENT_PRIVILEGE = "42501";
    static final String UNTRANSLATABLE_CHARACTER = "22P05";
    static final String INVALID_TEXT_REPRESENTATION = "22P02";
    static final String DATA_EXCEPTION_CLASS = "22";
    static final String CHARACTER_NOT_IN_REPERTOIRE = "22021";
    static final String DEADLOCK_DETECTED = "40P01";
    static final String SERIALIZATION_FAILURE = "40001";
    /** Raised by the ledger's refuse_version_gap function. */
    static final String VERSION_GAP = "TLGAP";

    private SqlErrors() {
    }

    /** A failure while {@code doing} something with {@code tables}; missing objects point at the migration. */
    static PostgresFailure failure(String doing, PostgresTables tables, SQLException e) {
        String state = e.getSQLState();
        String what = doing + " failed: " + firstLine(e.getMessage()) + " (SQLSTATE " + state + "). ";
        String todo;
        if (UNDEFINED_TABLE.equals(state) || UNDEFINED_FUNCTION.equals(state) || UNDEFINED_COLUMN.equals(state)) {
            todo = "Tally's tables in schema '" + tables.schema() + "' with prefix '" + tables.prefix()
                    + "' are missing or out of date: run PostgresSchema.of(tables).migrate(dataSource) once, or apply"
                    + " the SQL printed by PostgresSchema.of(tables).script()";
        } else if (INSUFFICIENT_PRIVILEGE.equals(state)) {
            todo = "grant the database user SELECT and INSERT on " + tables.schema() + "." + tables.prefix()
                    + "* (and UPDATE, DELETE on snapshots, checkpoints and views)";
        } else if (state != null && state.startsWith("08")) {
            todo = "the connection to PostgreSQL failed: check that the server is up and the DataSource's URL,"
                    + " user and password; nothing was written unless the server committed before the connection"
                    + " dropped";
        } else {
            todo = "check the server log for this SQLSTATE";
        }
        return new PostgresFailure(what + todo, e);
    }

    /** 22007 invalid datetime format, 22008 datetime field overflow, 22009 invalid time zone displacement. */
    static boolean isDatetimeError(String state) {
        return "22007".equals(state) || "22008".equals(state) || "22009".equals(state);
    }

    /** The constraint a server error names, or null. */
    static String constraint(SQLException e) {
        ServerErrorMessage m = e instanceof PSQLException p ? p.getServerErrorMessage() : null;
        return m == null ? null : m.getConstraint();
    }

    /** The DETAIL of a server error, or null. */
    static String detail(SQLException e) {
        ServerErrorMessage m = e instanceof PSQLException p ? p.getServerErrorMessage() : null;
        return m == null ? null : m.getDetail();
    }

    static String firstLine(String message) {
        if (message == null) {
            return "(no message)";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
