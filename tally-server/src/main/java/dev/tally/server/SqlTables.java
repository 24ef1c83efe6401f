package dev.tally.server;

import dev.tally.core.app.TallyApp;
import dev.tally.core.projection.SqlTable;
import java.util.LinkedHashMap;
import java.util.Map;

/** The SQL tables an app declares ({@link TallyApp#sqlTables()}), by projection, checked against its projections. */
final class SqlTables {
    private SqlTables() {
    }

    /** The app's tables by projection name; two tables for one projection, or one table twice, are refused. */
    static Map<String, SqlTable<?>> declared(TallyApp app) {
        Map<String, SqlTable<?>> byProjection = new LinkedHashMap<>();
        Map<String, String> byTable = new LinkedHashMap<>();
        for (SqlTable<?> t : app.sqlTables()) {
            if (byProjection.put(t.projection(), t) != null) {
                throw new IllegalArgumentException("app " + app.name() + " declares two SQL tables for projection '"
                        + t.projection() + "': declare one per projection");
            }
            String other = byTable.put(t.table(), t.projection());
            if (other != null) {
                throw new IllegalArgumentException("app " + app.name() + " declares SQL table " + t.table()
                        + " for projections '" + other + "' and '" + t.projection() + "': give each its own table");
            }
        }
        return byProjection;
    }

    /** Refuses tables left over once every projection of the app took its own: they name no projection. */
    static void requireNoneLeft(TallyApp app, Map<String, SqlTable<?>> left) {
        if (!left.isEmpty()) {
            SqlTable<?> t = left.values().iterator().next();
            throw new IllegalArgumentException("app " + app.name() + " declares SQL table " + t.table()
                    + " for projection '" + t.projection() + "', which is not one of its projections "
                    + app.projections().stream().map(p -> p.name()).toList()
                    + ": name a projection that projections() returns");
        }
    }
}
