package dev.tally.server;

import dev.tally.http.ApiError;
import dev.tally.http.HttpResponse;
import dev.tally.http.Route;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Metrics and the console: {@code GET /metrics} (Prometheus), {@code GET /api/lag}, {@code GET /}
 * and its static files (in {@code dev/tally/server/web/}); the console's own routes are
 * {@link dev.tally.server.console.ConsoleRoutes}.
 */
final class WebRoutes {
    private final ServeTelemetry telemetry;

    WebRoutes(ServeTelemetry telemetry) {
        this.telemetry = telemetry;
    }

    List<Route> routes() {
        return List.of(
                Route.of("GET", "/metrics", false, (r, m) -> HttpResponse.of(200, ServeTelemetry.CONTENT_TYPE,
                        telemetry.scrape().getBytes(StandardCharsets.UTF_8))),
                Route.of("GET", "/api/lag", false, (r, m) -> ObservabilityJson.lag(telemetry.recentLag())),
                Route.of("GET", "/", false, (r, m) -> file("index.html", "text/html; charset=utf-8")),
                Route.of("GET", "/static/(api|forms|inspector|pipeline|console|style)\\.(js|css)", false, (r, m) ->
                        file(m.group(1) + "." + m.group(2), m.group(2).equals("js") ? "text/javascript; charset=utf-8"
                                : "text/css; charset=utf-8")));
    }

    private static HttpResponse file(String name, String type) throws IOException {
        try (InputStream in = WebRoutes.class.getResourceAsStream("web/" + name)) {
            if (in == null) {
                throw new ApiError(404, "not_found", "no file " + name);
            }
            return HttpResponse.of(200, type, in.readAllBytes());
        }
    }
}
