package dev.tally.aws.app;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The saga function's cold start names what is missing from its environment (the template sets it all). */
class SagaFunctionEnvironmentTest {
    static Map<String, String> env(String... pairs) {
        Map<String, String> env = new HashMap<>(Map.of("AWS_REGION", "us-east-1", "TALLY_APP", "meter"));
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return env;
    }

    @Test
    void withoutTallySagaItSaysWhichVariableToSet() {
        assertThatThrownBy(() -> new SagaFunction(env("TALLY_LEDGER_TABLE", "meter-ledger")))
                .hasMessageContaining("TALLY_SAGA");
    }

    @Test
    void withoutItsTimerSettingsItSaysWhichVariableToSet() {
        assertThatThrownBy(() -> new SagaFunction(env("TALLY_SAGA", "meter-watch", "TALLY_LEDGER_TABLE", "meter-ledger")))
                .hasMessageContaining("TALLY_TIMER_GROUP");
    }

    @Test
    void aSagaTheAppDoesNotHaveIsNamedWithTheOnesItHas() {
        assertThatThrownBy(() -> new SagaFunction(env("TALLY_SAGA", "meter-watch", "TALLY_LEDGER_TABLE", "meter-ledger",
                "TALLY_TIMER_GROUP", "g", "TALLY_TIMER_TARGET_ARN", "arn:aws:lambda:us-east-1:1:function:f",
                "TALLY_TIMER_ROLE_ARN", "arn:aws:iam::1:role/r")))
                .hasMessageContaining("app meter has no saga 'meter-watch'; it has []");
    }
}
