package dev.tally.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.internal.Chaos;
import dev.tally.core.message.MessageFilter;
import dev.tally.core.projection.Versioned;
import dev.tally.core.runtime.Target;
import dev.tally.postgres.JdbcProjectionWriter;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** What {@code --chaos} does on the PostgreSQL engine: repeated saga deliveries, repeated and late view writes. */
class PostgresChaosTest {
    /** Every write it was asked for, as key@version. */
    static final class Recording implements JdbcProjectionWriter<String> {
        final List<String> writes = new ArrayList<>();

        @Override
        public WriteOutcome write(Connection connection, String key, long version, String view) {
            writes.add(key + "@" + version);
            return WriteOutcome.WRITTEN;
        }

        @Override
        public WriteOutcome write(String key, long version, String view) {
            return write(null, key, version, view);
        }

        @Override
        public Optional<Versioned<String>> read(String key) {
            return Optional.empty();
        }

        @Override
        public boolean delete(String key) {
            return false;
        }

        @Override
        public Page<Versioned<String>> list(PageRequest request) {
            return new Page<>(List.of(), null);
        }

        @Override
        public String name() {
            return "recording";
        }
    }

    @Test
    void offItPassesEverythingOnceAndOnItRepeatsDeliveriesAndWritesOlderStatesLate() throws Exception {
        PostgresChaos chaos = new PostgresChaos(Chaos.NONE);
        AtomicInteger handled = new AtomicInteger();
        Target saga = chaos.around(Target.of("saga", MessageFilter.ANY, m -> handled.incrementAndGet()));
        Recording views = new Recording();
        JdbcProjectionWriter<String> writer = chaos.around(views);

        saga.handler().handle(null);
        writer.write(null, "k", 1, "a");
        assertThat(handled).hasValue(1);
        assertThat(views.writes).containsExactly("k@1");

        chaos.set(new Chaos(1.0, Duration.ZERO, true));
        saga.handler().handle(null);
        assertThat(handled).as("a repeated delivery").hasValue(3);
        for (int v = 2; v <= 40; v++) {
            writer.write(null, "k", v, "s" + v);
        }
        assertThat(views.writes).contains("k@2", "k@2").contains("k@40");
        long newest = 0;
        int late = 0;
        for (String w : views.writes) {
            long version = Long.parseLong(w.substring(2));
            late += version < newest ? 1 : 0;
            newest = Math.max(newest, version);
        }
        assertThat(late).as("older states written after newer ones").isPositive();
        assertThat(chaos.effects().get("duplicated").asLong()).isEqualTo(1 + 39);
        assertThat(chaos.effects().get("lateWrites").asLong()).isEqualTo(late);
    }
}
