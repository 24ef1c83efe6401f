package dev.tally.core.runtime;

import dev.tally.core.RetryPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.function.Predicate;

/**
 * What every consumer of the pipeline does when a handler fails: retry with backoff and jitter
 * (the {@link RetryPolicy}), optionally split a failing batch in two to isolate the bad item
 * (bisect), and after the last attempt hand the item to a dead-letter sink. One policy for the
 * stream poller, the catch-up subscription and the delivery engine.
 *
 * <p>Consumers that retry on a schedule (the delivery engine) or on their next poll (a catch-up
 * subscription) ask {@link #afterFailure} what to do next; consumers that own a batch and may
 * block (the stream poller, as a Lambda event source mapping does) hand it to {@link #run}.
 */
public record FailurePolicy(RetryPolicy retry, boolean bisect) {
    public FailurePolicy {
        Objects.requireNonNull(retry, "retry");
    }

    /** 4 attempts, 50 ms doubling up to 1 s, no bisect: a bus target's default. */
    public static final FailurePolicy DEFAULT = new FailurePolicy(new RetryPolicy(4, Duration.ofMillis(50),
            Duration.ofSeconds(1)), false);

    public static FailurePolicy of(RetryPolicy retry) {
        return new FailurePolicy(retry, false);
    }

    public FailurePolicy withBisect(boolean on) {
        return new FailurePolicy(retry, on);
    }

    public int maxAttempts() {
        return retry.maxAttempts();
    }

    /** What to do after {@code failedAttempts} failed attempts on one item. */
    public sealed interface Next permits RetryAfter, GiveUp {
    }

    /** Try again after this pause. */
    public record RetryAfter(Duration delay) implements Next {
    }

    /** The attempts are used up: dead-letter it. */
    public record GiveUp() implements Next {
    }

    public Next afterFailure(int failedAttempts, Random random) {
        if (failedAttempts >= retry.maxAttempts()) {
            return new GiveUp();
        }
        return new RetryAfter(retry.backoff(failedAttempts, random));
    }

    /** One attempt at a batch: how many items, from the start, are done (the rest failed). */
    @FunctionalInterface
    public interface BatchAttempt<T> {
        int attempt(List<T> batch) throws Exception;
    }

    /** Called with each prefix of the batch that is finished (handled, or dead-lettered). */
    @FunctionalInterface
    public interface Progress<T> {
        void done(List<T> items);
    }

    /** Receives the items the policy gave up on, with the last error; must store them durably. */
    @FunctionalInterface
    public interface DeadLetterSink<T> {
        void deadLetter(List<T> items, String error, int attempts);
    }

    /** Sleeps between attempts; returns false when the consumer is stopping (the batch is abandoned). */
    @FunctionalInterface
    public interface Pause {
        boolean sleep(Duration d);

        Pause THREAD = d -> {
            try {
                Thread.sleep(d.toMillis(), (int) (d.toNanos() % 1_000_000));
                return true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        };
    }

    /** The consumer stopped while a batch was being retried: nothing after the last progress is done. */
    public static final class Stopped extends RuntimeException {
        public Stopped() {
            super("stopped while retrying", null, false, false);
        }
    }

    /**
     * Runs a batch to the end: the done prefix of each attempt is reported as progress; what
     * failed is retried (split in two first when bisecting), and after the last attempt the item
     * at the head of what failed goes to the sink and counts as done, and the rest is tried again.
     * Blocks while it waits between attempts.
     *
     * @throws Stopped when {@code pause} reports that the consumer is stopping
     */
    public <T> void run(List<T> batch, BatchAttempt<T> attempt, Progress<T> progress, DeadLetterSink<T> sink,
                        Pause pause, Random random) {
        List<T> items = new ArrayList<>(batch);
        int failed = 0;
        while (!items.isEmpty()) {
            int done;
            String error = null;
            try {
                done = Math.max(0, Math.min(attempt.attempt(items), items.size()));
            } catch (Stopped s) {
                throw s;
            } catch (OutOfMemoryError fatal) {
                throw fatal;
            } catch (Throwable e) {
                // an Error from a handler (a reducer's StackOverflowError, a class that cannot load) is a
                // failed attempt like any other: retried, then dead-lettered, never the end of the consumer
                done = 0;
                error = String.valueOf(e);
            }
            if (done == items.size()) {
                progress.done(items);
                return;
            }
            if (done > 0) {
                progress.done(List.copyOf(items.subList(0, done)));
                items = new ArrayList<>(items.subList(done, items.size()));
                failed = 0; // progress: the item now at the head has not failed yet
            }
            if (bisect && items.size() > 1) {
                int half = items.size() / 2;
                run(items.subList(0, half), attempt, progress, sink, pause, random);
                run(items.subList(half, items.size()), attempt, progress, sink, pause, random);
                return;
            }
            failed++;
            Next next = afterFailure(failed, random);
            if (next instanceof RetryAfter r) {
                if (!pause.sleep(r.delay())) {
                    throw new Stopped();
                }
            } else {
                // give up on the item that fails (the head: the handler reported everything before it
                // done); the rest of the batch is tried again, not dead-lettered untried
                List<T> head = List.of(items.get(0));
                sink.deadLetter(head, error == null ? "the handler stopped at this item" : error, failed);
                progress.done(head);
                items = new ArrayList<>(items.subList(1, items.size()));
                failed = 0;
            }
        }
    }

    /**
     * One attempt at what is left of a piece of work that can partly succeed (a PutEvents whose
     * entries fail one by one, a batch write that leaves items unprocessed): returns what is still
     * left, empty when done. An attempt that fails as a whole catches the transient error and
     * returns {@code left} unchanged; anything it throws ends the retries.
     */
    @FunctionalInterface
    public interface PartialAttempt<T> {
        List<T> attempt(List<T> left, int attempt);
    }

    /**
     * The retry loop for transient failures: tries {@code items}, then what is left of them, up to
     * the policy's attempts, sleeping its jittered backoff in between. Returns what is still left
     * after the last attempt (empty when everything went through); the caller decides how to fail.
     *
     * @throws Stopped when {@code pause} reports that the caller is stopping
     */
    public <T> List<T> retryRemaining(List<T> items, PartialAttempt<T> attempt, Pause pause, Random random) {
        List<T> left = items;
        for (int n = 1; n <= retry.maxAttempts(); n++) {
            left = attempt.attempt(left, n);
            if (left.isEmpty()) {
                return List.of();
            }
            if (n < retry.maxAttempts() && !pause.sleep(retry.backoff(n, random))) {
                throw new Stopped();
            }
        }
        return left;
    }

    /**
     * One attempt at work that succeeds or fails as a whole (an append, a command): returns the
     * result, or throws. {@code previous} is the transient failure of the attempt before (null on
     * the first), for callers whose next failure must carry it.
     */
    @FunctionalInterface
    public interface Attempt<R> {
        R attempt(int attempt, RuntimeException previous);
    }

    /** What the caller makes of the last transient failure once the attempts are used up: a result, or what it throws. */
    @FunctionalInterface
    public interface Exhausted<R> {
        R after(RuntimeException last, int attempts);
    }

    /**
     * The retry loop for work that fails as a whole: runs {@code attempt} up to the policy's
     * attempts while it fails with an error {@code isTransient} accepts, sleeping the jittered
     * backoff in between (no sleep when the backoff is zero); any other error ends the retries at
     * once. After the last attempt, {@code exhausted} turns the last transient failure into the
     * result or the error.
     *
     * @throws Stopped when {@code pause} reports that the caller is stopping
     */
    public <R> R retry(Attempt<R> attempt, Predicate<? super RuntimeException> isTransient, Exhausted<R> exhausted,
                       Pause pause, Random random) {
        RuntimeException last = null;
        for (int n = 1; n <= retry.maxAttempts(); n++) {
            try {
                return attempt.attempt(n, last);
            } catch (RuntimeException e) {
                if (e instanceof Stopped || !isTransient.test(e)) {
                    throw e;
                }
                last = e;
            }
            if (n < retry.maxAttempts()) {
                Duration d = retry.backoff(n, random);
                if (!d.isZero() && !pause.sleep(d)) {
                    throw new Stopped();
                }
            }
        }
        return exhausted.after(last, retry.maxAttempts());
    }
}
