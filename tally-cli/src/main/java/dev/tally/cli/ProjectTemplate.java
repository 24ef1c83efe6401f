package dev.tally.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The project {@code tally new} writes: the resource files under {@code dev/tally/cli/scaffold/},
 * listed in {@code scaffold/files} with where each goes, their {@code {{placeholders}}} filled in.
 * {@code scaffold/versions.properties} (filtered when tally-cli is built) gives the versions.
 */
final class ProjectTemplate {
    private static final String ROOT = "scaffold/";
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([A-Za-z]+)}}");

    /** One file of the project: its template (a resource) and its path in the project (with placeholders). */
    record TemplateFile(String template, String path) {
    }

    private ProjectTemplate() {
    }

    /** Tally's version and the versions of what a new project builds with, as Tally's own build has them. */
    static Map<String, String> versions() {
        Properties p = new Properties();
        try {
            p.load(new StringReader(resource("versions.properties")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String key : p.stringPropertyNames()) {
            String value = p.getProperty(key);
            if (value.contains("${")) {
                throw new IllegalStateException("scaffold/versions.properties was not filtered when tally-cli was built ("
                        + key + "=" + value + "): build Tally with Maven (mvn package)");
            }
            out.put(key, value);
        }
        return out;
    }

    /** The files of the project, in the order of {@code scaffold/files}. */
    static List<TemplateFile> files() {
        List<TemplateFile> out = new ArrayList<>();
        for (String line : resource("files").split("\n")) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            String[] parts = l.split("\\s+");
            if (parts.length != 2) {
                throw new IllegalStateException("scaffold/files: expected 'template path', got '" + l + "'");
            }
            out.add(new TemplateFile(parts[0], parts[1]));
        }
        return out;
    }

    /** {@code text} with every {@code {{name}}} replaced; a name without a value is a bug in the templates. */
    static String fill(String text, Map<String, String> values) {
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = values.get(m.group(1));
            if (value == null) {
                throw new IllegalStateException("a scaffold template uses {{" + m.group(1) + "}}, which has no value"
                        + " (known: " + values.keySet() + ")");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    /**
     * Writes every file under {@code dir} (created if missing) and returns their paths relative to
     * it. Refuses to replace a file: the caller checks that {@code dir} is new or empty.
     */
    static List<String> writeInto(Path dir, Map<String, String> values) throws IOException {
        List<String> written = new ArrayList<>();
        for (TemplateFile f : files()) {
            String relative = fill(f.path(), values);
            Path target = dir.resolve(relative);
            Files.createDirectories(target.getParent());
            Files.writeString(target, fill(resource(f.template()), values), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE_NEW);
            written.add(relative);
        }
        return written;
    }

    private static String resource(String name) {
        try (InputStream in = ProjectTemplate.class.getResourceAsStream(ROOT + name)) {
            if (in == null) {
                throw new IllegalStateException("the scaffold resource dev/tally/cli/" + ROOT + name
                        + " is missing from tally-cli's jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
