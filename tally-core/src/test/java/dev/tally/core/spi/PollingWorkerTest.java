package dev.tally.core.spi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.RetryPolicy;
import dev.tally.core.runtime.FailurePolicy;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The one polling thread: idle backoff, work polled at once, wake, failures paced, a crash, stop. */
class PollingWorkerTest {

    @Test
    void theIdleWaitDoublesFromTheFirstToTheMaximum() {
        PollingWorker.Idle idle = new PollingWorker.Idle(Duration.ofMillis(20), Duration.ofMillis(250));
        assertThat(idle.millisAfter(1)).isEqualTo(20);
        assertThat(idle.millisAfter(2)).isEqualTo(40);
        assertThat(idle.millisAfter(4)).isEqualTo(160);
        assertThat(idle.millisAfter(5)).isEqualTo(250);
        assertThat(idle.millisAfter(10_000)).isEqualTo(250);
        assertThat(PollingWorker.Idle.fixed(Duration.ofSeconds(10)).millisAfter(7)).isEqualTo(10_000);
    }

    @Test
    void aPollThatFoundWorkIsFollowedAtOnceByTheNextEvenWithAnHourOfIdleWait() throws Exception {
        AtomicInteger polls = new AtomicInteger();
        CountDownLatch fifth = new CountDownLatch(5);
        try (PollingWorker w = PollingWorker.builder("test-busy", () -> {
            polls.incrementAndGet();
            fifth.countDown();
            return polls.get() < 5 ? 1 : 0; // four polls find work, then idle for an hour
        }).idle(PollingWorker.Idle.fixed(Duration.ofHours(1))).build().start()) {
            assertThat(fifth.await(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(polls.get()).isEqualTo(5);
    }

    @Test
    void aWakeCutsTheIdleWaitShort() throws Exception {
        CountDownLatch second = new CountDownLatch(2);
        try (PollingWorker w = PollingWorker.builder("test-wake", () -> {
            second.countDown();
            return 0;
        }).idle(PollingWorker.Idle.fixed(Duration.ofHours(1))).build().start()) {
            while (second.getCount() == 2) {
                Thread.sleep(5); // the first poll happens at once
            }
            w.wake();
            assertThat(second.await(30, TimeUnit.SECONDS)).as("polled again before the hour").isTrue();
        }
    }

    @Test
    void aFailedPollIsTriedAgainWithTheFailurePolicysBackoffNotTheIdleWait() throws Exception {
        AtomicInteger polls = new AtomicInteger();
        CountDownLatch third = new CountDownLatch(3);
        try (PollingWorker w = PollingWorker.builder("test-failing", () -> {
            polls.incrementAndGet();
            third.countDown();
            throw new IllegalStateException("table unavailable");
        }).idle(PollingWorker.Idle.fixed(Duration.ofHours(1)))
                .failurePolicy(FailurePolicy.of(new RetryPolicy(10, Duration.ofMillis(1), Duration.ofMillis(5))))
                .build().start()) {
            assertThat(third.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(w.lastError()).contains("table unavailable");
            assertThat(w.isRunning()).isTrue();
        }
    }

    @Test
    void anErrorEndsTheThreadAsACrashWouldAndCloseStopsIt() throws Exception {
        PollingWorker crashing = PollingWorker.builder("test-crash", () -> {
            throw new AssertionError("killed");
        }).build().start();
        for (int i = 0; i < 3000 && crashing.isAlive(); i++) {
            Thread.sleep(10);
        }
        assertThat(crashing.isAlive()).isFalse();
        assertThat(crashing.isRunning()).isFalse();
        assertThat(crashing.lastError()).contains("killed");

        PollingWorker idle = PollingWorker.builder("test-stop", () -> 0).idle(PollingWorker.Idle.fixed(
                Duration.ofHours(1))).build().start();
        idle.close();
        assertThat(idle.isAlive()).isFalse();
    }
}
