package dev.tally.examples.counter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.testing.DeciderSpecification;
import org.junit.jupiter.api.Test;

/** The counter's rule on the decider alone: an increment is a delta, whatever came before. */
class CounterSpecificationTest {
    @Test
    void anIncrementOfANewCounterIsOneIncremented() {
        DeciderSpecification.of(Counter.DEFINITION)
                .when(new Counter.Increment())
                .then(new Incremented())
                .thenState(s -> assertThat(s.count()).isEqualTo(1));
    }

    @Test
    void anIncrementAfterOthersIsStillOneDeltaAndTheCountFollows() {
        DeciderSpecification.of(Counter.DEFINITION)
                .given(new Incremented(), new Incremented(), new Incremented())
                .when(new Counter.Increment())
                .then(new Incremented())
                .thenState(s -> assertThat(s.count()).isEqualTo(4));
    }
}
