package dev.tally.examples.orders;

import dev.tally.core.ForwardingLedger;
import dev.tally.core.RecordedEvent;
import dev.tally.core.spi.LedgerAdapter;
import dev.tally.core.saga.Timer;
import dev.tally.core.saga.TimerScheduler;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Crashes between saga steps: with probability {@code rate}, the saga's worker dies right before or
 * right after one of its writes (a command to another store, the record of a reply or an input, a
 * timer), as a process killed at that instant would. The write either happened or not; nothing
 * after it in that delivery runs, and the delivery is retried.
 */
final class Crashes {
    static final Crashes NONE = new Crashes(0, 0, 0);

    private final double rate;
    private final Random random;
    private final AtomicInteger injected = new AtomicInteger();
    private final int budget;

    Crashes(double rate, long seed, int budget) {
        this.rate = rate;
        this.random = new Random(seed);
        this.budget = budget;
    }

    static final class SimulatedCrash extends RuntimeException {
        SimulatedCrash(String where) {
            super("simulated crash " + where, null, false, false);
        }
    }

    void maybe(String where) {
        boolean crash;
        synchronized (random) {
            crash = rate > 0 && random.nextDouble() < rate;
        }
        if (crash && injected.incrementAndGet() <= budget) {
            throw new SimulatedCrash(where);
        }
    }

    int injected() {
        return Math.min(injected.get(), budget);
    }

    /** A ledger that crashes around appends. */
    LedgerAdapter around(LedgerAdapter ledger) {
        return new ForwardingLedger(ledger) {
            @Override
            public void append(List<RecordedEvent> events) {
                maybe("before an append");
                super.append(events);
                maybe("after an append");
            }

            @Override
            public String describe() {
                return "crashing " + ledger.describe();
            }
        };
    }

    /** Timers that crash around scheduling and cancelling. */
    TimerScheduler around(TimerScheduler timers) {
        return new TimerScheduler() {
            @Override
            public void schedule(Timer timer) {
                maybe("before scheduling a timer");
                timers.schedule(timer);
                maybe("after scheduling a timer");
            }

            @Override
            public void cancel(String timerId) {
                maybe("before cancelling a timer");
                timers.cancel(timerId);
                maybe("after cancelling a timer");
            }
        };
    }
}
