package dev.tally.core.app;

import java.util.Objects;

/**
 * A panel an app adds to the console of {@code tally serve} ({@link TallyApp#consolePanels()}): the
 * console reads {@code path} (one of the app's own GET routes) every few seconds and shows its JSON,
 * a list of objects as a table. Optional: the console shows every app's stores, views and sagas
 * without it.
 *
 * @param title       the panel's heading, e.g. "Orders"
 * @param path        the GET route to read, starting with {@code /api/}, e.g. {@code /api/orders?limit=20}
 * @param description for people: what the panel shows
 */
public record ConsolePanel(String title, String path, String description) {
    public ConsolePanel {
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(path, "path");
        if (!path.startsWith("/api/")) {
            throw new IllegalArgumentException("a console panel reads one of the app's own routes under /api/, e.g."
                    + " \"/api/orders?limit=20\"; got '" + path + "'");
        }
        description = description == null ? "" : description;
    }
}
