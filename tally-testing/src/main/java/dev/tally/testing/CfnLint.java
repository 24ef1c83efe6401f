package dev.tally.testing;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * AWS's CloudFormation linter, {@code cfn-lint}, run on a template file (it applies the SAM
 * transform first). Found like {@link MotoServer} finds {@code moto_server}: {@code TALLY_CFN_LINT},
 * then PATH, then {@code ~/.pyenv/shims} and {@code ~/.local/bin}; when it is missing the calling
 * test is skipped (a JUnit assumption) with a message that says how to install it.
 */
public final class CfnLint {
    static final String INSTALL = "cfn-lint was not found. Install it with `pip install cfn-lint` (Python 3.9+),"
            + " put it on PATH or set TALLY_CFN_LINT to its path, and run the test again.";

    private CfnLint() {
    }

    /** What cfn-lint said: exit code 0 when the template is clean. */
    public record Result(int exitCode, String output) {
        public boolean clean() {
            return exitCode == 0;
        }
    }

    /** Lints the template, or skips the calling test when cfn-lint is not installed. */
    public static Result lint(Path template) {
        Optional<String> exe = find();
        Assumptions.assumeTrue(exe.isPresent(), INSTALL);
        try {
            Process p = new ProcessBuilder(exe.get(), "--format", "parseable", template.toString())
                    .redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("cfn-lint did not finish within 300 s on " + template);
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cfn-lint (" + exe.get() + ") could not run: " + e.getMessage()
                    + ". " + INSTALL, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while cfn-lint ran", e);
        }
    }

    public static boolean available() {
        return find().isPresent();
    }

    static Optional<String> find() {
        List<Path> candidates = new ArrayList<>();
        String configured = System.getenv("TALLY_CFN_LINT");
        if (configured != null && !configured.isBlank()) {
            candidates.add(Path.of(configured));
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                if (!dir.isBlank()) {
                    candidates.add(Path.of(dir, "cfn-lint"));
                }
            }
        }
        String home = System.getProperty("user.home");
        candidates.add(Path.of(home, ".pyenv", "shims", "cfn-lint"));
        candidates.add(Path.of(home, ".local", "bin", "cfn-lint"));
        for (Path candidate : candidates) {
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate.toString());
            }
        }
        return Optional.empty();
    }
}
