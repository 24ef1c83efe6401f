package dev.tally.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An app jar whose services file lists a class it does not hold: one clear line, naming both. */
class AppLoaderBrokenJarTest {
    @TempDir
    Path dir;

    Path jarListing(String line) throws IOException {
        Path jar = dir.resolve("library-0.1.0-SNAPSHOT.jar");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out)) {
            j.putNextEntry(new JarEntry("META-INF/services/dev.tally.core.app.TallyApp"));
            j.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            j.closeEntry();
        }
        return jar;
    }

    @Test
    void aRenamedAppClassIsNamedWithTheServicesFile() throws IOException {
        Path jar = jarListing("com.acme.library.App");
        assertThatThrownBy(() -> AppLoader.load(List.of(jar))).isInstanceOf(AppLoader.BrokenApp.class)
                .hasMessageContaining("META-INF/services/dev.tally.core.app.TallyApp")
                .hasMessageContaining("'com.acme.library.App'").hasMessageContaining("not in the jar")
                .hasMessageNotContaining("Provider");
    }

    @Test
    void aClassThatIsNotAnAppIsSaidSo() throws IOException {
        Path jar = jarListing(AppLoaderBrokenJarTest.class.getName());
        assertThatThrownBy(() -> AppLoader.load(List.of(jar))).isInstanceOf(AppLoader.BrokenApp.class)
                .hasMessageContaining("'" + AppLoaderBrokenJarTest.class.getName() + "'").hasMessageContaining("does not implement TallyApp");
    }

    @Test
    void theCommandLinePrintsOneLineWithoutTheUsage() throws IOException {
        Path jar = jarListing("com.acme.library.App");
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setErr(new PrintWriter(err));
        cl.setOut(new PrintWriter(new StringWriter()));
        int code = cl.execute("serve", "--app", jar.toString(), "--in-memory", "--port", "0");
        assertThat(code).isNotZero();
        assertThat(err.toString()).contains("com.acme.library.App").doesNotContain("Usage:");
        assertThat(err.toString().lines().count()).isLessThanOrEqualTo(2);
    }
}
