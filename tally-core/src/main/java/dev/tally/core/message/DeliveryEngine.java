package dev.tally.core.message;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers messages to targets at least once: retries with the target's backoff, then the dead
 * letters; optional chaos (duplicates, delays, reordering). Shared by the in-memory bus and the
 * local EventBridge-compatible router, which differ only in how they pick targets.
 *
 * <p>Asynchronous mode runs deliveries on a small scheduler pool. Manual mode queues them until
 * {@link #drain()} delivers them on the calling thread in a seeded random order: deterministic,
 * which property tests need to shrink a failure.
 */
public final class DeliveryEngine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DeliveryEngine.class);

    private record Delivery(Target target, Message message, int attempt) {
    }

    private static final class Counters {
        final AtomicLong delivered = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final AtomicLong dead = new AtomicLong();
        final AtomicLong redriven = new AtomicLong();
    }

    private final ScheduledExecutorService scheduler;
    private final List<Delivery> pending = new ArrayList<>();
    private final DeadLetterStore deadLetters;
    private final Random random;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Map<String, Counters> counters = new ConcurrentHashMap<>();
    private volatile Chaos chaos;

    private DeliveryEngine(int threads, Chaos chaos, DeadLetterStore deadLetters, long seed) {
        this.scheduler = threads == 0 ? null : Executors.newScheduledThreadPool(threads, r -> {
            Thread t = new Thread(r, "tally-delivery");
            t.setDaemon(true);
            return t;
        });
        this.chaos = chaos;
        this.deadLetters = deadLetters;
        this.random = new Random(seed);
    }

    /** Delivers on {@code threads} background threads. */
    public static DeliveryEngine async(int threads, Chaos chaos, DeadLetterStore deadLetters) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        return new DeliveryEngine(threads, chaos, deadLetters, System.nanoTime());
    }

    /** Queues deliveries until {@link #drain()}; the order is random but fixed by {@code seed}. */
    public static DeliveryEngine manual(Chaos chaos, DeadLetterStore deadLetters, long seed) {
        return new DeliveryEngine(0, chaos, deadLetters, seed);
    }

    public void chaos(Chaos newChaos) {
        this.chaos = newChaos;
    }

    public Chaos chaos() {
        return chaos;
    }

    /** Submits one delivery per (target, message) pair, with chaos applied. */
    public void submit(List<Map.Entry<Target, Message>> pairs) {
        Chaos c = chaos;
        List<Delivery> batch = new ArrayList<>(pairs.size());
        synchronized (random) {
            for (Map.Entry<Target, Message> p : pairs) {
                batch.add(new Delivery(p.getKey(), p.getValue(), 1));
                if (c.duplicateRate() > 0 && random.nextDouble() < c.duplicateRate()) {
                    batch.add(new Delivery(p.getKey(), p.getValue(), 1));
                }
            }
            if (c.reorder()) {
                Collections.shuffle(batch, random);
            }
        }
        for (Delivery d : batch) {
            counters(d.target().name());
            inFlight.incrementAndGet();
            schedule(d, chaosDelay(c));
        }
    }

    private long chaosDelay(Chaos c) {
        if (c.maxDelay().isZero()) {
            return 0;
        }
        synchronized (random) {
            return (long) (random.nextDouble() * c.maxDelay().toNanos());
        }
    }

    private void schedule(Delivery d, long delayNanos) {
        if (scheduler == null) {
            synchronized (pending) {
                pending.add(d);
            }
            return;
        }
        try {
            scheduler.schedule(() -> deliver(d), delayNanos, TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            LOG.warn("engine closed: delivery of {} to {} not scheduled", d.message().id(), d.target().name());
            inFlight.decrementAndGet();
        }
    }

    private void deliver(Delivery d) {
        Counters c = counters(d.target().name());
        try {
            d.target().handler().handle(d.message());
        } catch (Throwable e) {
            c.failed.incrementAndGet();
            if (d.attempt() < d.target().retryPolicy().maxAttempts()) {
                schedule(new Delivery(d.target(), d.message(), d.attempt() + 1), backoff(d));
            } else {
                deadLetter(d, e, c);
            }
            return;
        }
        c.delivered.incrementAndGet();
        inFlight.decrementAndGet();
    }

    /** Dead-letters a delivery; if the store refuses, tries again later, so nothing is dropped. */
    private void deadLetter(Delivery d, Throwable cause, Counters c) {
        try {
            deadLetters.add(new DeadLetter(UUID.randomUUID().toString(), d.target().name(), d.message(),
                    String.valueOf(cause), d.attempt(), Instant.now()));
        } catch (RuntimeException storeFailed) {
            LOG.error("could not dead-letter {} for {} ({}); the delivery is tried again", d.message().id(),
                    d.target().name(), storeFailed.toString());
            schedule(new Delivery(d.target(), d.message(), d.attempt()), backoff(d));
            return;
        }
        LOG.warn("target {} failed {} time(s) on {}; dead-lettered: {}", d.target().name(), d.attempt(),
                d.message().id(), cause.toString());
        c.dead.incrementAndGet();
        inFlight.decrementAndGet();
    }

    private long backoff(Delivery d) {
        synchronized (random) {
            return d.target().retryPolicy().backoff(d.attempt(), random).toNanos();
        }
    }

    /** Manual mode: delivers everything queued (retries included) on this thread; returns how many. */
    public int drain() {
        if (scheduler != null) {
            throw new IllegalStateException("drain() is for manual engines; this one delivers asynchronously");
        }
        int count = 0;
        while (true) {
            Delivery d;
            synchronized (pending) {
                if (pending.isEmpty()) {
                    return count;
                }
                int index;
                synchronized (random) {
                    index = chaos.reorder() ? random.nextInt(pending.size()) : 0;
                }
                d = pending.remove(index);
            }
            deliver(d);
            count++;
        }
    }

    /** Waits until nothing is pending or running. */
    public boolean awaitIdle(Duration timeout) {
        if (scheduler == null) {
            drain();
            return true;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (inFlight.get() > 0) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    public int inFlight() {
        return inFlight.get();
    }

    public DeadLetterStore deadLetters() {
        return deadLetters;
    }

    /** Hands a dead letter to its target again, on this thread; removes it on success. */
    public boolean redrive(String deadLetterId, Function<String, Target> targets) {
        DeadLetter letter = deadLetters.get(deadLetterId).orElse(null);
        if (letter == null) {
            return false;
        }
        Target target = targets.apply(letter.target());
        if (target == null) {
            LOG.warn("cannot redrive {}: target {} is not subscribed", deadLetterId, letter.target());
            return false;
        }
        try {
            target.handler().handle(letter.message());
        } catch (Exception e) {
            LOG.warn("redrive of {} to {} failed again: {}", deadLetterId, letter.target(), e.toString());
            return false;
        }
        if (deadLetters.remove(deadLetterId)) {
            counters(letter.target()).redriven.incrementAndGet();
        }
        return true;
    }

    public int redriveAll(String targetName, Function<String, Target> targets) {
        int ok = 0;
        for (DeadLetter d : deadLetters.list()) {
            if (targetName == null || targetName.equals(d.target())) {
                ok += redrive(d.id(), targets) ? 1 : 0;
            }
        }
        return ok;
    }

    public List<TargetStats> stats() {
        List<TargetStats> out = new ArrayList<>();
        counters.forEach((name, c) -> out.add(new TargetStats(name, c.delivered.get(), c.failed.get(), c.dead.get(),
                c.redriven.get())));
        out.sort((a, b) -> a.target().compareTo(b.target()));
        return out;
    }

    private Counters counters(String target) {
        return counters.computeIfAbsent(target, t -> new Counters());
    }

    @Override
    public void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }
}
