package dev.tally.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TallyEnvironmentTest {
    @Test
    void a_missing_variable_for_dead_letters_or_timers_is_named_with_what_it_is_for() {
        TallyEnvironment env = new TallyEnvironment(Map.of("AWS_REGION", "eu-west-1"));
        assertThatThrownBy(env::dispatcherDeadLetters).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("TALLY_DISPATCHER_DLQ_URL");
        assertThatThrownBy(env::timers).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("TALLY_TIMER_GROUP");
    }

    @Test
    void timers_are_configured_from_the_environment() {
        TallyEnvironment env = new TallyEnvironment(Map.of("AWS_REGION", "eu-west-1",
                "TALLY_TIMER_GROUP", "orders", "TALLY_TIMER_TARGET_ARN", "arn:fn", "TALLY_TIMER_ROLE_ARN", "arn:role",
                "TALLY_TIMER_DLQ_ARN", "arn:dlq"));
        SchedulerTimers.Config c = env.timers().config();
        assertThat(c).isEqualTo(new SchedulerTimers.Config("orders", "arn:fn", "arn:role", "arn:dlq", null));
    }
}
