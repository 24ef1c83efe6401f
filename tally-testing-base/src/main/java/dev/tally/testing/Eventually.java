package dev.tally.testing;

import java.time.Duration;

/**
 * Retries a check until it passes or the time is up, for eventually consistent read models.
 * The last failure is rethrown, so the report says what was still wrong.
 */
public final class Eventually {
    private Eventually() {
    }

    public static void eventually(Duration timeout, Runnable check) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                check.run();
                return;
            } catch (AssertionError | RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting", ie);
                }
            }
        }
    }

    /** With a 60 second timeout. */
    public static void eventually(Runnable check) {
        eventually(Duration.ofSeconds(60), check);
    }
}
