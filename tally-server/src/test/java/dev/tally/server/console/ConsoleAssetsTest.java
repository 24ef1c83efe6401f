package dev.tally.server.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The console's assets: every file the page loads is served, and none of them knows an example app. */
class ConsoleAssetsTest {
    /** As WebRoutes serves them. */
    private static final Pattern SERVED = Pattern.compile("/static/(api|forms|inspector|pipeline|console|style)\\.(js|css)");
    private static final Pattern LOADED = Pattern.compile("(?:src|href)=\"(/static/[^\"]+)\"");

    @Test
    void every_file_the_page_loads_is_served_and_names_no_example_app() throws Exception {
        String page = asset("index.html");
        List<String> files = new ArrayList<>(List.of("index.html"));
        Matcher m = LOADED.matcher(page);
        while (m.find()) {
            assertThat(m.group(1)).as("served by WebRoutes").matches(SERVED);
            files.add(m.group(1).substring("/static/".length()));
        }
        assertThat(files).contains("api.js", "forms.js", "inspector.js", "pipeline.js", "console.js", "style.css");
        for (String f : files) {
            assertThat(asset(f)).as(f).doesNotContainPattern("(?i)\\bbank|counters?\\b|\\borders?\\b|accounts?\\b|/api/orders");
        }
    }

    private static String asset(String name) throws Exception {
        try (InputStream in = ConsoleAssetsTest.class.getResourceAsStream("/dev/tally/server/web/" + name)) {
            assertThat(in).as(name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
