package dev.tally.core.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.spi.Checkpoint.Position;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CheckpointTest {

    @Test
    void positionsAreOrderedByTheirNumberNotTheirText() {
        List<Position> positions = new ArrayList<>(List.of(Position.of("10"), Position.of(9), Position.of("000123"),
                Position.START, Position.of("49607362094826839117628016390125213880547225829378"), Position.of(124)));
        positions.sort(null);
        assertThat(positions).extracting(Position::value).containsExactly("0", "9", "10", "000123", "124",
                "49607362094826839117628016390125213880547225829378");
        assertThat(Position.of("000123").compareTo(Position.of(123))).isZero();
        assertThat(Position.of(10).isAfter(Position.of("9"))).isTrue();
        assertThat(Position.of("9").isAfter(Position.of(10))).isFalse();
    }

    @Test
    void aSequenceNumberIsKeptVerbatimForTheStream() {
        Checkpoint c = Checkpoint.at("shardId-1", "000000000000000000117");
        assertThat(c.position().value()).isEqualTo("000000000000000000117");
        assertThat(c.position().asLong()).isEqualTo(117);
        assertThat(c.isStart()).isFalse();
        assertThat(c.movedTo(Position.of("000000000000000000118")).id()).isEqualTo("shardId-1");
    }

    @Test
    void theStartIsBeforeEverythingAndLoadsAsZero() {
        Checkpoint start = Checkpoint.start("feed");
        assertThat(start.isStart()).isTrue();
        assertThat(start.position().asLong()).isZero();
        assertThat(Checkpoint.at("feed", 0)).isEqualTo(start);
        assertThat(Checkpoint.at("feed", 1).isStart()).isFalse();
        assertThat(start.movedTo(Long.MAX_VALUE).position().asLong()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void whatIsNoPositionIsRefusedInTheUsersTerms() {
        assertThatThrownBy(() -> Position.of("12a")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("whole number written in digits").hasMessageContaining("'12a'");
        assertThatThrownBy(() -> Position.of("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Position.of(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1");
        assertThatThrownBy(() -> Checkpoint.at(" ", 3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("name of the consumer");
        assertThatThrownBy(() -> Position.of("9223372036854775808").asLong())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("9223372036854775808")
                .hasMessageContaining("larger than a global-log position");
        assertThat(Position.of("0009223372036854775807").asLong()).isEqualTo(Long.MAX_VALUE);
    }
}
