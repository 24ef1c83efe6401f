package dev.tally.core.saga;


import dev.tally.core.spi.TimerStore;
/**
 * Durable timers behind one SPI. {@link #schedule} is durable when it returns and idempotent by
 * {@link Timer#id()}; {@link #cancel} is idempotent too (cancelling an unknown or fired timer is not
 * an error). A timer fires at least once, after a restart too, never before its due time.
 *
 * <p>Implementations: a timer table the runtime polls ({@link TimerStore}, on the local stack and on
 * PostgreSQL), and EventBridge Scheduler one-time schedules that invoke the saga's function on AWS.
 */
public interface TimerScheduler {

    void schedule(Timer timer);

    void cancel(String timerId);
}
