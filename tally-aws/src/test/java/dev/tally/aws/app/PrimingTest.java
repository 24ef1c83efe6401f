package dev.tally.aws.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;

/** SnapStart priming: when it runs, and that it marshals and signs requests without sending one. */
class PrimingTest {
    @Test
    void itRunsForASnapStartInitialisationOrWhenAskedAndNeverWhenTurnedOff() {
        assertThat(Priming.wanted(Map.of())).isFalse();
        assertThat(Priming.wanted(Map.of("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand"))).isFalse();
        assertThat(Priming.wanted(Map.of("AWS_LAMBDA_INITIALIZATION_TYPE", "snap-start"))).isTrue();
        assertThat(Priming.wanted(Map.of("TALLY_PRIMING", "on"))).isTrue();
        assertThat(Priming.wanted(Map.of("AWS_LAMBDA_INITIALIZATION_TYPE", "snap-start", "TALLY_PRIMING", "off")))
                .isFalse();
    }

    @Test
    void everyRequestIsMarshalledAndSignedThenStoppedBeforeTransmission() {
        // no endpoint override: were one sent, it would go to AWS with dummy credentials and fail differently;
        // the count comes from the interceptor that runs just before transmission and stops each request
        assertThat(Priming.sdk(Region.EU_WEST_1)).isEqualTo(3);
        assertThat(Priming.sdk(Region.US_EAST_1)).as("again: nothing left half-open").isEqualTo(3);
    }

    @Test
    void theCodecRoundTripsTheStatesOfTheApp() {
        Priming.codec(new MeterApp());
    }
}
