package dev.tally.aws;

import dev.tally.core.saga.Timer;
import dev.tally.core.saga.TimerScheduler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.scheduler.SchedulerClient;
import software.amazon.awssdk.services.scheduler.model.ActionAfterCompletion;
import software.amazon.awssdk.services.scheduler.model.ConflictException;
import software.amazon.awssdk.services.scheduler.model.CreateScheduleRequest;
import software.amazon.awssdk.services.scheduler.model.DeadLetterConfig;
import software.amazon.awssdk.services.scheduler.model.DeleteScheduleRequest;
import software.amazon.awssdk.services.scheduler.model.FlexibleTimeWindow;
import software.amazon.awssdk.services.scheduler.model.FlexibleTimeWindowMode;
import software.amazon.awssdk.services.scheduler.model.ResourceNotFoundException;
import software.amazon.awssdk.services.scheduler.model.Target;

/**
 * Saga timers as EventBridge Scheduler one-time schedules ({@code at(...)}, UTC, flexible time
 * window OFF, {@code ActionAfterCompletion: DELETE}) whose target is the saga's function, invoked
 * with the timer as JSON input ({@link TimerInput}); the function hands it on with
 * {@link TimerTargetHandler}.
 *
 * <ul>
 *   <li>The schedule name is the timer id (deterministic), in one schedule group per application:
 *       creating it again answers {@code ConflictException}, which means "already scheduled" and is
 *       not an error. {@link #cancel} deletes it; {@code ResourceNotFoundException} (never scheduled,
 *       or fired and deleted) is not an error either.</li>
 *   <li>Scheduler invokes with 60-second precision (an {@code at(12:00:30)} may run at 12:00:05), so
 *       the schedule is set to the whole minute at or after the due time: never early, at most a
 *       minute late. A due time less than {@code minimumLead} away is moved to now + minimumLead:
 *       an {@code at()} in the past is not something to rely on.</li>
 *   <li>Scheduler retries a failed invocation under the target's retry policy and then sends the
 *       input to the target's dead-letter queue, when one is given.</li>
 * </ul>
 *
 * Unlike the polled timer tables ({@link dev.tally.core.spi.TimerStore}), there is no poller: a
 * fired schedule is gone (deleted after completion), so "fired" is not recorded anywhere; the saga
 * must ignore a timer it no longer waits for, which it must anyway (at least once).
 */
public final class SchedulerTimers implements TimerScheduler {
    private static final Logger LOG = LoggerFactory.getLogger(SchedulerTimers.class);
    private static final DateTimeFormatter AT = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss")
            .withZone(ZoneOffset.UTC);

    /** Where schedules go and what they invoke. */
    public record Config(String groupName, String targetArn, String roleArn, String deadLetterQueueArn,
                         Duration minimumLead) {
        public Config {
            Objects.requireNonNull(groupName, "groupName: the schedule group of this application's timers");
            Objects.requireNonNull(targetArn, "targetArn: the saga function's ARN");
            Objects.requireNonNull(roleArn, "roleArn: the role Scheduler assumes to invoke the function");
            minimumLead = minimumLead == null ? Duration.ofMinutes(1) : minimumLead;
            if (minimumLead.isNegative()) {
                throw new IllegalArgumentException("minimumLead must not be negative, was " + minimumLead);
            }
        }

        public Config(String groupName, String targetArn, String roleArn) {
            this(groupName, targetArn, roleArn, null, null);
        }

        public Config withDeadLetterQueue(String queueArn) {
            return new Config(groupName, targetArn, roleArn, queueArn, minimumLead);
        }
    }

    private final SchedulerClient client;
    private final Config config;
    private final Clock clock;

    public SchedulerTimers(SchedulerClient client, Config config, Clock clock) {
        this.client = Objects.requireNonNull(client, "client");
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public SchedulerTimers(SchedulerClient client, Config config) {
        this(client, config, Clock.systemUTC());
    }

    @Override
    public void schedule(Timer timer) {
        Target.Builder target = Target.builder()
                .arn(config.targetArn())
                .roleArn(config.roleArn())
                .input(TimerInput.toJson(timer));
        if (config.deadLetterQueueArn() != null) {
            target.deadLetterConfig(DeadLetterConfig.builder().arn(config.deadLetterQueueArn()).build());
        }
        CreateScheduleRequest request = CreateScheduleRequest.builder()
                .groupName(config.groupName())
                .name(timer.id())
                .scheduleExpression(expression(timer.dueAt()))
                .scheduleExpressionTimezone("UTC")
                .flexibleTimeWindow(FlexibleTimeWindow.builder().mode(FlexibleTimeWindowMode.OFF).build())
                .actionAfterCompletion(ActionAfterCompletion.DELETE)
                .description(describe(timer))
                .target(target.build())
                .build();
        try {
            client.createSchedule(request);
        } catch (ConflictException alreadyScheduled) {
            // the id is deterministic: the same timer was scheduled before (a redelivered message)
            LOG.debug("timer {} is already scheduled", timer.id());
        }
    }

    @Override
    public void cancel(String timerId) {
        try {
            client.deleteSchedule(DeleteScheduleRequest.builder().groupName(config.groupName()).name(timerId).build());
        } catch (ResourceNotFoundException gone) {
            // never scheduled, cancelled before, or fired and deleted after completion
            LOG.debug("timer {} had no schedule to delete", timerId);
        }
    }

    /** The {@code at(...)} expression for a due time: the whole minute at or after it, and not too soon. */
    String expression(Instant dueAt) {
        Instant earliest = clock.instant().plus(config.minimumLead());
        Instant at = dueAt.isBefore(earliest) ? earliest : dueAt;
        Instant minute = at.truncatedTo(ChronoUnit.MINUTES);
        if (minute.isBefore(at)) {
            minute = minute.plus(1, ChronoUnit.MINUTES);
        }
        return "at(" + AT.format(minute) + ")";
    }

    private static String describe(Timer t) {
        String d = "Tally timer '" + t.name() + "' of saga " + t.sagaName() + "/" + t.sagaId();
        return d.length() <= 512 ? d : d.substring(0, 512);
    }

    public Config config() {
        return config;
    }
}
