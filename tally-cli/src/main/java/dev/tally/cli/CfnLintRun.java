package dev.tally.cli;

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
 * AWS's CloudFormation linter, {@code cfn-lint}, when it is installed: found as tally-testing's
 * {@code CfnLint} finds it ({@code TALLY_CFN_LINT}, then PATH, then {@code ~/.pyenv/shims} and
 * {@code ~/.local/bin}).
 */
final class CfnLintRun {
    static final String INSTALL = "install it with 'pip install cfn-lint' (Python 3.9+), put it on PATH or set"
            + " TALLY_CFN_LINT to its path";

    /** What cfn-lint said: exit code 0 when the template is clean. */
    record Result(int exitCode, String output) {
        boolean clean() {
            return exitCode == 0;
        }
    }

    private CfnLintRun() {
    }

    /** cfn-lint's verdict on the template file, or empty when cfn-lint is not installed. */
    static Optional<Result> lint(Path template) throws IOException, InterruptedException {
        Optional<String> exe = find();
        if (exe.isEmpty()) {
            return Optional.empty();
        }
        Process p = new ProcessBuilder(exe.get(), "--format", "parseable", template.toString())
                .redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return Optional.of(new Result(-1, "cfn-lint did not finish within 300 s"));
        }
        return Optional.of(new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8)));
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
        return candidates.stream().filter(c -> Files.isRegularFile(c) && Files.isExecutable(c)).map(Path::toString)
                .findFirst();
    }
}
