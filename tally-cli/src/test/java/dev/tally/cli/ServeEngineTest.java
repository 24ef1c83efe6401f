package dev.tally.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.cli.OpsTestApp.Add;
import dev.tally.cli.OpsTestApp.Count;
import dev.tally.cli.OpsTestApp.Total;
import dev.tally.core.EventStore;
import dev.tally.core.projection.ProjectionWriter;
import dev.tally.core.runtime.Chaos;
import dev.tally.core.saga.Timer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** Each engine of {@code serve --engine} hosts an app: its store, its projections' views, timers; and keeps them. */
class ServeEngineTest {
    @TempDir
    Path dir;

    static ServeEngine open(ServeEngine.Kind kind, Path data) {
        return ServeEngine.open(kind, new ServeEngine.Options(data, null, null, Chaos.NONE, null, Map.of()), line -> { });
    }

    @ParameterizedTest
    @EnumSource(ServeEngine.Kind.class)
    void anAppsCommandsReachItsViewsAndTimersComeDue(ServeEngine.Kind kind) {
        try (ServeEngine engine = open(kind, null)) {
            assertThat(engine.kind()).isEqualTo(kind);
            EventStore<Count> counters = engine.pipeline().store(OpsTestApp.COUNTER);
            ProjectionWriter<Total> totals = engine.views("ops", OpsTestApp.TOTAL);
            engine.pipeline().project(OpsTestApp.TOTAL, totals);
            engine.pipeline().start();
            for (int i = 1; i <= 5; i++) {
                counters.execute("c1", new Add(i));
            }
            assertThat(engine.awaitQuiet(Duration.ofSeconds(60))).isTrue();
            assertThat(totals.read("c1").orElseThrow().view()).isEqualTo(new Total(15));

            Instant due = Instant.parse("2026-12-07T12:00:00Z");
            engine.timers().schedule(new Timer("t1", "saga", "s1", "deadline", due, "{}"));
            assertThat(engine.timers().due(due.minusSeconds(1), 10)).isEmpty();
            assertThat(engine.timers().due(due, 10)).extracting(Timer::id).containsExactly("t1");
        }
    }

    @ParameterizedTest
    @EnumSource(ServeEngine.Kind.class)
    void whatWasWrittenToADataDirectoryIsThereAfterARestart(ServeEngine.Kind kind) {
        Path data = dir.resolve(kind.option);
        try (ServeEngine engine = open(kind, data)) {
            EventStore<Count> counters = engine.pipeline().store(OpsTestApp.COUNTER);
            engine.pipeline().project(OpsTestApp.TOTAL, engine.views("ops", OpsTestApp.TOTAL));
            engine.pipeline().start();
            counters.execute("kept", new Add(7));
            assertThat(engine.awaitQuiet(Duration.ofSeconds(60))).isTrue();
        }
        try (ServeEngine engine = open(kind, data)) {
            EventStore<Count> counters = engine.pipeline().store(OpsTestApp.COUNTER);
            ProjectionWriter<Total> totals = engine.views("ops", OpsTestApp.TOTAL);
            engine.pipeline().project(OpsTestApp.TOTAL, totals);
            engine.pipeline().start();
            assertThat(counters.load("kept").state()).isEqualTo(new Count(7));
            assertThat(totals.read("kept").orElseThrow().view()).isEqualTo(new Total(7));
        }
    }

    @Test
    void anUnknownEngineIsNamedWithTheChoices() {
        assertThatThrownBy(() -> ServeEngine.Kind.of("mysql"))
                .hasMessage("--engine must be one of [dynamodb-local, postgres], got 'mysql'");
    }
}
