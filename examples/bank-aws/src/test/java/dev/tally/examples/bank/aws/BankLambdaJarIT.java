package dev.tally.examples.bank.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.testing.LambdaJar;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The packaged Lambda jar (after {@code package}, under failsafe): at most {@link LambdaJar#MAX_BYTES},
 * and every function of {@code deploy/template.json} built from it alone, in a fresh JVM with the function's
 * environment, so leaving a client out of the jar cannot break a function's start.
 */
class BankLambdaJarIT {
    static final Path TEMPLATE = Path.of("../../deploy/template.json");

    @Test
    void theJarIsWithinTheBoundAndHoldsWhatEveryFunctionNeedsToStart() throws Exception {
        Path jar = LambdaJar.fromProperty("tally.lambdaJar");
        assertThat(Files.size(jar)).as("%s is %,d bytes; the bound is %,d: keep clients the functions do not call"
                + " out of it (see docs/deployment.md, Lean Lambda jars)", jar, Files.size(jar), LambdaJar.MAX_BYTES)
                .isLessThanOrEqualTo(LambdaJar.MAX_BYTES);
        assertThat(LambdaJar.functions(TEMPLATE)).isNotEmpty();
        assertThat(LambdaJar.buildEveryFunction(jar, TEMPLATE)).isEmpty();
    }
}
