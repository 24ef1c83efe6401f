package dev.tally.core.internal;

import dev.tally.core.observe.Observability;
import dev.tally.core.spi.Telemetry;
import dev.tally.core.spi.TraceSpan;
import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.spi.ClaimResolver;
import dev.tally.core.message.Message;
import dev.tally.core.message.PublishFailed;
import dev.tally.core.runtime.*; // DeadLetter(s), FailurePolicy, Target, TargetStats: the runtime this engine serves
import dev.tally.core.spi.DeadLetterStore;
import dev.tally.core.spi.DeliveryStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers messages to targets at least once: each (target, message) pair is stored in a
 * {@link DeliveryStore} before {@link #submit} returns, retried under the target's
 * {@link FailurePolicy}, and dead-lettered after the last attempt; only then is it forgotten. A
 * crash at any instant loses nothing that was accepted: a new engine on the same store
 * {@link #recover recovers} what was pending, with its retry state. Optional chaos (duplicates,
 * delays, reordering) proves targets idempotent and order-proof. Shared by the in-memory bus and
 * the local EventBridge-compatible router, which differ only in how they pick targets.
 *
 * <p>Asynchronous mode runs deliveries on a small scheduler pool. Manual mode queues them until
 * {@link #drain()} delivers them on the calling thread in a seeded random order: deterministic,
 * which property tests need to shrink a failure.
 */
public final class DeliveryEngine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DeliveryEngine.class);

    /** One attempt to make: {@code failed} attempts on this delivery failed before it. */
    private record Attempt(Target target, PendingDelivery delivery) { }

    private final AttemptScheduler scheduler;
    private final DeadLetterStore deadLetters;
    private final DeliveryStore store;
    private final Random random;
    private final Clock clock;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final DeliveryCounters counters = new DeliveryCounters();
    private volatile Function<String, Target> targets = name -> null;
    private volatile ClaimResolver claims = ClaimResolver.NONE;
    private volatile Chaos chaos;
    private volatile boolean accepting = true;
    /** Copies of each delivery being attempted in this process. */
    private final LiveCopies live = new LiveCopies();
    private final DeadLetters letters;

    private DeliveryEngine(int threads, Chaos chaos, DeadLetterStore deadLetters, DeliveryStore store, long seed) {
        this.scheduler = new AttemptScheduler(threads);
        this.chaos = chaos;
        this.deadLetters = deadLetters;
        this.store = store;
        this.letters = new TargetDeadLetters(deadLetters, name -> targets.apply(name), () -> claims,
                name -> counters.of(name).redriven.incrementAndGet());
        this.random = new Random(seed);
        this.clock = Clock.systemUTC();
    }

    /** Delivers on {@code threads} background threads, keeping accepted deliveries in {@code store}. */
    public static DeliveryEngine async(int threads, Chaos chaos, DeadLetterStore deadLetters, DeliveryStore store) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        return new DeliveryEngine(threads, chaos, deadLetters, store, System.nanoTime());
    }

    /** Queues deliveries until {@link #drain()}; the order is random but fixed by {@code seed}. */
    public static DeliveryEngine manual(Chaos chaos, DeadLetterStore deadLetters, DeliveryStore store, long seed) {
        return new DeliveryEngine(0, chaos, deadLetters, store, seed);
    }

    /** How the engine finds a target by name (for recovered deliveries and redrives). */
    public void targets(Function<String, Target> lookup) {
        this.targets = lookup;
    }

    /** How dead letters kept as references are read back from the ledger on redrive. */
    public void claims(ClaimResolver resolver) {
        this.claims = resolver;
    }

    public void chaos(Chaos newChaos) {
        this.chaos = newChaos;
    }

    public Chaos chaos() {
        return chaos;
    }

    /**
     * Accepts one delivery per (target, message) pair: stores them all, then schedules them with
     * chaos applied. When this returns, the deliveries survive a crash.
     *
     * @throws PublishFailed when the engine is shutting down or the store refused them (nothing accepted)
     */
    public void submit(List<Map.Entry<Target, Message>> pairs) {
        if (pairs.isEmpty()) {
            return;
        }
        if (!accepting) {
            throw new PublishFailed("the bus is shutting down and accepts no more messages", messagesOf(pairs), null);
        }
        Instant now = clock.instant();
        Map<String, Attempt> unique = new LinkedHashMap<>();
        for (Map.Entry<Target, Message> p : pairs) {
            PendingDelivery d = PendingDelivery.first(p.getKey().name(), p.getValue(), now);
            unique.put(d.id(), new Attempt(p.getKey(), d));
        }
        Chaos c = chaos;
        List<Attempt> batch = new ArrayList<>(unique.size());
        synchronized (random) {
            for (Attempt a : unique.values()) {
                batch.add(a);
                if (c.duplicateRate() > 0 && random.nextDouble() < c.duplicateRate()) {
                    batch.add(a);
                }
            }
            if (c.reorder()) {
                Collections.shuffle(batch, random);
            }
        }
        // count the copies before storing: a copy of the same delivery finishing meanwhile then
        // leaves the stored delivery alone
        batch.forEach(a -> live.add(a.delivery().id(), +1));
        List<PendingDelivery> deliveries = new ArrayList<>(unique.size());
        unique.values().forEach(a -> deliveries.add(a.delivery()));
        try {
            store.add(deliveries);
        } catch (RuntimeException e) {
            batch.forEach(a -> live.add(a.delivery().id(), -1));
            throw new PublishFailed("could not store " + deliveries.size() + " deliveries: " + e.getMessage(),
                    messagesOf(pairs), e);
        }
        batch.forEach(a -> counters.of(a.target().name()));
        inFlight.addAndGet(batch.size()); // all at once: awaitIdle never sees a half-submitted batch
        for (Attempt a : batch) {
            schedule(a, chaosDelay(c));
        }
    }

    private static List<Message> messagesOf(List<Map.Entry<Target, Message>> pairs) {
        return pairs.stream().map(Map.Entry::getValue).toList();
    }

    /**
     * Schedules every delivery the store holds (after a restart), each after its due time and with
     * the attempts it already used. Call once the targets are subscribed; deliveries for targets
     * that are not are left in the store (counted as orphaned).
     *
     * @return how many deliveries were scheduled
     */
    public int recover() {
        int scheduled = 0;
        PageRequest request = PageRequest.first(500);
        Instant now = clock.instant();
        while (true) {
            Page<PendingDelivery> page = store.page(request);
            List<Attempt> attempts = new ArrayList<>(page.items().size());
            for (PendingDelivery d : page.items()) {
                Target t = targets.apply(d.target());
                if (t == null) {
                    counters.orphaned.incrementAndGet();
                    LOG.warn("a stored delivery of {} is for target {}, which is not subscribed: it stays stored",
                            d.ref(), d.target());
                    continue;
                }
                counters.of(t.name());
                live.add(d.id(), +1);
                attempts.add(new Attempt(t, d));
            }
            inFlight.addAndGet(attempts.size());
            for (Attempt a : attempts) {
                schedule(a, Math.max(0, Duration.between(now, a.delivery().dueAt()).toNanos()));
                scheduled++;
            }
            if (page.isLast()) {
                break;
            }
            request = request.next(page.nextCursor());
        }
        counters.recovered.addAndGet(scheduled);
        if (scheduled > 0) {
            LOG.info("recovered {} stored deliveries", scheduled);
        }
        return scheduled;
    }

    private long chaosDelay(Chaos c) {
        if (c.maxDelay().isZero()) {
            return 0;
        }
        synchronized (random) {
            return (long) (random.nextDouble() * c.maxDelay().toNanos());
        }
    }

    private void schedule(Attempt a, long delayNanos) {
        if (!scheduler.schedule(() -> deliver(a), delayNanos)) {
            // the engine stopped: the delivery stays in the store and a new engine recovers it
            LOG.debug("engine stopped: delivery {} stays stored for the next start", a.delivery().id());
            inFlight.decrementAndGet();
        }
    }

    private void deliver(Attempt a) {
        DeliveryCounters.Counters c = counters.of(a.target().name());
        PendingDelivery d = a.delivery();
        Telemetry telemetry = Observability.telemetry();
        long started = System.nanoTime();
        try {
            if (d.message() == null) {
                // kept as a reference (a claim check, an item that no longer decodes): read it back now,
                // so a failure to do so goes through the target's failure policy like any other
                d = d.withMessage(claims.resolve(d.ref().kind(), d.ref().store(), d.ref().aggregateId(),
                        d.ref().version()));
                a = new Attempt(a.target(), d);
            }
            try (TraceSpan span = telemetry.span("tally.deliver",
                    Observability.traceparentOf(d.message().event().metadata()))) {
                try {
                    a.target().handler().handle(d.message());
                } catch (Throwable e) {
                    span.failed(e);
                    throw e;
                }
            }
        } catch (Throwable e) {
            c.failed.incrementAndGet();
            failed(a, e, c);
            return;
        }
        telemetry.delivered(a.target().name(), System.nanoTime() - started);
        c.delivered.incrementAndGet();
        finish(d);
    }

    private void failed(Attempt a, Throwable cause, DeliveryCounters.Counters c) {
        PendingDelivery d = a.delivery();
        FailurePolicy.Next next;
        synchronized (random) {
            next = a.target().failurePolicy().afterFailure(d.failedAttempts() + 1, random);
        }
        if (next instanceof FailurePolicy.RetryAfter r) {
            PendingDelivery again = d.failed(String.valueOf(cause), clock.instant().plus(r.delay()));
            try {
                store.reschedule(again);
            } catch (RuntimeException storeFailed) {
                // the stored copy keeps its older retry state: a restart retries it a little early
                LOG.warn("could not store the retry state of {}: {}", d.id(), storeFailed.toString());
            }
            Observability.telemetry().deliveryRetry(a.target().name());
            schedule(new Attempt(a.target(), again), r.delay().toNanos());
            return;
        }
        int attempts = d.failedAttempts() + 1;
        try {
            deadLetters.add(d.message() != null
                    ? DeadLetter.of(a.target().source(), d.message(), String.valueOf(cause), attempts, clock.instant())
                    : DeadLetter.reference(a.target().source(), d.ref(), String.valueOf(cause), attempts,
                            clock.instant()));
        } catch (RuntimeException storeFailed) {
            LOG.error("could not dead-letter {} for {} ({}); the delivery is tried again", d.ref(),
                    a.target().name(), storeFailed.toString());
            long wait;
            synchronized (random) {
                wait = a.target().failurePolicy().retry().backoff(attempts, random).toNanos();
            }
            schedule(a, Math.max(wait, TimeUnit.MILLISECONDS.toNanos(100)));
            return;
        }
        LOG.warn("target {} failed {} time(s) on {}; dead-lettered: {}", a.target().name(), attempts,
                d.ref(), cause.toString());
        Observability.telemetry().deadLettered(a.target().name());
        c.dead.incrementAndGet();
        finish(d);
    }

    private void finish(PendingDelivery d) {
        if (!live.add(d.id(), -1)) {
            inFlight.decrementAndGet(); // another copy is still being attempted: it forgets the delivery
            return;
        }
        try {
            store.remove(List.of(d.id()));
        } catch (RuntimeException e) {
            LOG.warn("could not forget finished delivery {} ({}); it may be delivered once more", d.id(),
                    e.toString());
        }
        inFlight.decrementAndGet();
    }

    /** Manual mode: delivers everything queued (retries included) on this thread; returns how many. */
    public int drain() {
        if (!scheduler.manual()) {
            throw new IllegalStateException("drain() is for manual engines; this one delivers asynchronously");
        }
        int count = 0;
        Runnable next;
        while ((next = scheduler.next(size -> {
            synchronized (random) {
                return chaos.reorder() ? random.nextInt(size) : 0;
            }
        })) != null) {
            next.run();
            count++;
        }
        return count;
    }

    /** Waits until nothing is pending or running. */
    public boolean awaitIdle(Duration timeout) {
        if (scheduler.manual()) {
            drain();
            return true;
        }
        return Settling.until(() -> inFlight.get() == 0, timeout, Duration.ofMillis(2));
    }

    public int inFlight() {
        return inFlight.get();
    }

    public DeadLetterStore deadLetterStore() {
        return deadLetters;
    }

    public DeliveryStore deliveryStore() {
        return store;
    }

    // --- dead letters ------------------------------------------------------------------------------

    /** The dead letters of this engine's targets, and their redrive to the target that failed. */
    public DeadLetters deadLetters() {
        return letters;
    }

    // --- statistics --------------------------------------------------------------------------------

    public List<TargetStats> stats() {
        return counters.stats();
    }

    /** Deliveries read back from the store by {@link #recover}, and those left for unknown targets. */
    public long recoveredCount() {
        return counters.recovered.get();
    }

    public long orphanedCount() {
        return counters.orphaned.get();
    }

    // --- shutdown ------------------------------------------------------------------------------------

    /**
     * Stops accepting, lets running and due deliveries finish for up to {@code drain}, then stops.
     * What is not finished stays in the store for the next start.
     *
     * @return true when everything finished within the deadline
     */
    public boolean shutdown(Duration drain) {
        accepting = false;
        boolean idle = scheduler.manual() || awaitIdle(drain);
        scheduler.stop(Duration.ofSeconds(5));
        try {
            store.flush();
        } catch (RuntimeException e) {
            LOG.warn("could not apply the last removals of finished deliveries ({}); they are delivered once more"
                    + " after the next start", e.toString());
        }
        return idle;
    }

    /** Stops at once, as a crash would: nothing is drained or flushed (for crash tests). */
    public void halt() {
        accepting = false;
        scheduler.stop(Duration.ZERO);
    }

    /** {@link #shutdown} with a 5-second drain. */
    @Override
    public void close() {
        shutdown(Duration.ofSeconds(5));
    }
}
