package dev.tally.core.spi;

import dev.tally.core.saga.Timer;
import dev.tally.core.saga.TimerScheduler;
import java.time.Instant;
import java.util.List;

/**
 * A timer table a runtime polls: the local stack and PostgreSQL keep timers this way. A poller
 * reads {@link #due} timers, hands each to its saga, and only then calls {@link #fired}; a crash in
 * between fires it again (at least once).
 */
public interface TimerStore extends TimerScheduler {

    /** Timers whose due time is at or before {@code now}, earliest first, at most {@code limit}. */
    List<Timer> due(Instant now, int limit);

    /** Removes a fired timer; idempotent. */
    void fired(String timerId);
}
