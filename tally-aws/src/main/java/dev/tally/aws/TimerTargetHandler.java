package dev.tally.aws;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.saga.Timer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The Lambda side of {@link SchedulerTimers}: reads the schedule's input back into a {@link Timer}
 * and hands it to the saga runtime's {@code Consumer<Timer>}. Throwing fails the invocation, so
 * Scheduler retries it under the target's retry policy and then sends it to the target's
 * dead-letter queue: a timer is never dropped by a failure.
 *
 * <p>A timer that arrives before its due time (it should not: schedules are set to the whole
 * minute after it) fails the invocation too, so Scheduler delivers it again later: a timer never
 * fires early.
 *
 * <p>A saga function that also receives EventBridge events can call {@link #accepts} on the parsed
 * input and route the rest to its {@link EventBridgeTargetHandler}.
 */
public class TimerTargetHandler implements RequestStreamHandler {
    private final Consumer<Timer> timers;
    private final Clock clock;

    public TimerTargetHandler(Consumer<Timer> timers, Clock clock) {
        this.timers = Objects.requireNonNull(timers, "timers");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public TimerTargetHandler(Consumer<Timer> timers) {
        this(timers, Clock.systemUTC());
    }

    /** True when the input is a timer this handler takes. */
    public static boolean accepts(JsonNode input) {
        return TimerInput.isTimer(input);
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        handle(JsonCodec.parse(input.readAllBytes()));
        output.write("{}".getBytes(StandardCharsets.UTF_8));
    }

    /** Parses and hands on one timer input (for functions that read the input themselves). */
    public void handle(JsonNode input) {
        Timer timer = TimerInput.fromJson(input);
        if (clock.instant().isBefore(timer.dueAt())) {
            throw new IllegalStateException("timer " + timer.id() + " arrived before its due time " + timer.dueAt()
                    + " (now " + clock.instant() + "): failing the invocation so Scheduler retries it later");
        }
        timers.accept(timer);
    }
}
