package dev.tally.aws.moto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.aws.SchedulerTimers;
import dev.tally.aws.TimerInput;
import dev.tally.aws.TimerTargetHandler;
import dev.tally.core.saga.Timer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.scheduler.SchedulerClient;
import software.amazon.awssdk.services.scheduler.model.CreateScheduleGroupRequest;
import software.amazon.awssdk.services.scheduler.model.GetScheduleRequest;
import software.amazon.awssdk.services.scheduler.model.GetScheduleResponse;
import software.amazon.awssdk.services.scheduler.model.ListSchedulesRequest;
import software.amazon.awssdk.services.scheduler.model.ResourceNotFoundException;

/**
 * {@link SchedulerTimers} against moto_server's EventBridge Scheduler, and the function side
 * ({@link TimerTargetHandler}) fed with the input moto stored. moto does not fire schedules: the
 * firing itself (Scheduler invoking the function with the input) is AWS's; what is tested here is
 * what we send (expression, window, action after completion, target and input), idempotence of
 * schedule and cancel, and that the stored input reads back into the same Timer.
 */
class SchedulerTimersMotoTest {
    static final String FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:orders-saga";
    static final String ROLE = "arn:aws:iam::123456789012:role/orders-saga-scheduler";
    static final String DLQ = "arn:aws:sqs:us-east-1:123456789012:orders-saga-timers-dlq";
    static final Instant NOW = Instant.parse("2026-11-29T20:00:10Z");

    SchedulerClient client;
    String group;
    SchedulerTimers timers;

    @BeforeEach
    void group() {
        MotoAws.moto();
        client = MotoAws.scheduler();
        group = "tally-" + UUID.randomUUID().toString().substring(0, 8);
        client.createScheduleGroup(CreateScheduleGroupRequest.builder().name(group).build());
        timers = new SchedulerTimers(client, new SchedulerTimers.Config(group, FUNCTION, ROLE).withDeadLetterQueue(DLQ),
                Clock.fixed(NOW, ZoneOffset.UTC));
    }

    static Timer timer(String id, Instant due) {
        return new Timer(id, "orders", "order-7", "payment-deadline", due, "{\"attempt\":2,\"reason\":\"timeout\"}");
    }

    GetScheduleResponse stored(String name) {
        return client.getSchedule(GetScheduleRequest.builder().groupName(group).name(name).build());
    }

    int schedules() {
        return client.listSchedules(ListSchedulesRequest.builder().groupName(group).build()).schedules().size();
    }

    @Test
    void a_timer_is_a_one_time_schedule_that_deletes_itself_and_invokes_the_saga_function_with_the_timer() {
        Timer t = timer("order-7.payment-deadline", Instant.parse("2026-11-29T20:15:30Z"));
        timers.schedule(t);

        GetScheduleResponse s = stored(t.id());
        // rounded up to the whole minute: Scheduler's 60 s precision never makes it early
        assertThat(s.scheduleExpression()).isEqualTo("at(2026-11-29T20:16:00)");
        assertThat(s.scheduleExpressionTimezone()).isEqualTo("UTC");
        assertThat(s.flexibleTimeWindow().modeAsString()).isEqualTo("OFF");
        assertThat(s.actionAfterCompletionAsString()).isEqualTo("DELETE");
        assertThat(s.target().arn()).isEqualTo(FUNCTION);
        assertThat(s.target().roleArn()).isEqualTo(ROLE);
        assertThat(s.target().deadLetterConfig().arn()).isEqualTo(DLQ);
        assertThat(TimerInput.fromJson(s.target().input())).isEqualTo(t);
    }

    @Test
    void scheduling_the_same_timer_again_keeps_one_schedule() {
        Timer t = timer("order-8.deadline", Instant.parse("2026-11-29T21:00:00Z"));
        timers.schedule(t);
        timers.schedule(t); // a redelivered message schedules it again: ConflictException means done
        assertThat(schedules()).isEqualTo(1);
        assertThat(stored(t.id()).scheduleExpression()).isEqualTo("at(2026-11-29T21:00:00)");
    }

    @Test
    void cancel_deletes_the_schedule_and_cancelling_again_or_an_unknown_timer_is_fine() {
        Timer t = timer("order-9.deadline", Instant.parse("2026-11-29T21:00:00Z"));
        timers.schedule(t);
        timers.cancel(t.id());
        assertThatThrownBy(() -> stored(t.id())).isInstanceOf(ResourceNotFoundException.class);
        timers.cancel(t.id());
        timers.cancel("never-scheduled");
        assertThat(schedules()).isZero();
    }

    @Test
    void a_due_time_in_the_past_or_too_soon_is_scheduled_a_minute_lead_ahead() {
        timers.schedule(timer("late", Instant.parse("2026-11-29T19:00:00Z")));
        // now 20:00:10 + 1 min lead = 20:01:10, rounded up to 20:02:00
        assertThat(stored("late").scheduleExpression()).isEqualTo("at(2026-11-29T20:02:00)");
    }

    @Test
    void the_function_hands_the_stored_input_to_the_saga_runtime_as_the_same_timer() throws Exception {
        Timer t = timer("order-10.deadline", Instant.parse("2026-11-29T20:30:00Z"));
        timers.schedule(t);
        String input = stored(t.id()).target().input();

        List<Timer> fired = new ArrayList<>();
        TimerTargetHandler handler = new TimerTargetHandler(fired::add,
                Clock.fixed(Instant.parse("2026-11-29T20:30:01Z"), ZoneOffset.UTC));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        handler.handleRequest(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), out, null);

        assertThat(fired).containsExactly(t);
        assertThat(fired.get(0).payload()).isEqualTo("{\"attempt\":2,\"reason\":\"timeout\"}");
    }

    @Test
    void the_function_fails_a_timer_that_arrives_early_so_scheduler_retries_it() {
        Timer t = timer("order-11.deadline", Instant.parse("2026-11-29T20:30:00Z"));
        List<Timer> fired = new ArrayList<>();
        TimerTargetHandler handler = new TimerTargetHandler(fired::add,
                Clock.fixed(Instant.parse("2026-11-29T20:29:59Z"), ZoneOffset.UTC));
        assertThatThrownBy(() -> handler.handle(dev.tally.core.json.JsonCodec.parse(TimerInput.toJson(t))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("before its due time");
        assertThat(fired).isEmpty();
    }

    @Test
    void input_that_is_not_a_timer_gets_an_error_naming_what_is_wrong() {
        TimerTargetHandler handler = new TimerTargetHandler(t -> { });
        assertThatThrownBy(() -> handler.handle(dev.tally.core.json.JsonCodec.parse("{\"detail-type\":\"x\",\"detail\":{}}")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"tally\": \"timer\"");
        assertThatThrownBy(() -> TimerInput.fromJson("{\"tally\":\"timer\",\"id\":\"a\",\"sagaName\":\"s\","
                + "\"sagaId\":\"i\",\"name\":\"n\",\"dueAt\":\"tomorrow\"}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dueAt");
        assertThatThrownBy(() -> TimerInput.fromJson("{\"tally\":\"timer\",\"id\":\"a\",\"sagaName\":\"s\","
                + "\"name\":\"n\",\"dueAt\":\"2026-11-29T20:00:00Z\"}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'sagaId'");
        assertThatThrownBy(() -> TimerInput.toJson(new Timer("a", "s", "i", "n", NOW, "not json")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("payload must be JSON");
    }
}
