package dev.tally.aws.deploy;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * AWS's CloudFormation linter, {@code cfn-lint} (it applies the SAM transform first), when it is
 * installed: {@code TALLY_CFN_LINT}, then PATH, then {@code ~/.pyenv/shims} and {@code ~/.local/bin}.
 * {@code tally aws template} runs it on what it renders; the template tests run it and skip with
 * {@link #INSTALL} where it is missing.
 */
public final class CfnLint {
    public static final String INSTALL = "install it with 'pip install cfn-lint' (Python 3.9+), put it on PATH or set"
            + " TALLY_CFN_LINT to its path";

    /** What cfn-lint said: exit code 0 when the template is clean. */
    public record Result(int exitCode, String output) {
        public boolean clean() {
            return exitCode == 0;
        }
    }

    private CfnLint() {
    }

    /**
     * cfn-lint's verdict on the template file, or empty when cfn-lint is not installed; an
     * {@link IllegalStateException} saying so when it is found but cannot run.
     */
    public static Optional<Result> lint(Path template) {
        Optional<String> exe = find();
        if (exe.isEmpty()) {
            return Optional.empty();
        }
        try {
            Process p = new ProcessBuilder(exe.get(), "--format", "parseable", template.toString())
                    .redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return Optional.of(new Result(-1, "cfn-lint did not finish within 300 s"));
            }
            return Optional.of(new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new IllegalStateException("cfn-lint (" + exe.get() + ") could not run: " + e.getMessage() + "; "
                    + INSTALL, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while cfn-lint ran", e);
        }
    }

    public static Optional<String> find() {
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
        return candidates.stream().filter(c -> Files.isRegularFile(c) && Files.isExecutable(c)).map(Path::toString)
                .findFirst();
    }
}
