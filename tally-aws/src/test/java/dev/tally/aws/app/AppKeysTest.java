package dev.tally.aws.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** TALLY_KEY_CACHE_TTL: an ISO-8601 duration of at least zero, or a clear error naming the variable. */
class AppKeysTest {
    @Test
    void theCacheTtlIsAnIsoDurationOfAtLeastZero() {
        assertThat(AppKeys.cacheTtl("PT30S")).isEqualTo(Duration.ofSeconds(30));
        assertThat(AppKeys.cacheTtl(" PT0S ")).isEqualTo(Duration.ZERO);
        for (String wrong : new String[] {"30", "-PT1S", "soon"}) {
            assertThatThrownBy(() -> AppKeys.cacheTtl(wrong)).as(wrong).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("TALLY_KEY_CACHE_TTL is '" + wrong + "'").hasMessageContaining("PT30S");
        }
    }
}
