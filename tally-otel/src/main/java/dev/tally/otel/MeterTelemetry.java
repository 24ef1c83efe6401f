package dev.tally.otel;

import dev.tally.core.spi.Telemetry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The pipeline's metrics in a Micrometer registry, all named under {@code tally.} (Prometheus:
 * {@code tally_append_seconds}, {@code tally_deliveries_total{target=...}},
 * {@code tally_projection_lag_seconds_bucket{le=...}}, ...). The full list is in
 * docs/observability.md.
 *
 * <p>Meters are registered once per store or target and kept in maps, so recording a value
 * looks up a map and adds to a meter: no tag or id is built on the hot path.
 */
public final class MeterTelemetry implements Telemetry {
    /** The buckets of the event-to-view lag histogram. */
    static final Duration[] LAG_BUCKETS = {
        Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
        Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
        Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30),
        Duration.ofSeconds(60)};

    private final MeterRegistry registry;
    private final Map<String, Timer> appends = new ConcurrentHashMap<>();
    private final Map<String, Counter> appendedEvents = new ConcurrentHashMap<>();
    private final Map<String, Counter> conflicts = new ConcurrentHashMap<>();
    private final Map<String, Counter> retries = new ConcurrentHashMap<>();
    private final Map<String, Counter> rejections = new ConcurrentHashMap<>();
    private final Map<String, Timer> deliveryLatency = new ConcurrentHashMap<>();
    private final Map<String, Counter> deliveries = new ConcurrentHashMap<>();
    private final Map<String, Counter> deliveryRetries = new ConcurrentHashMap<>();
    private final Map<String, Counter> deadLetters = new ConcurrentHashMap<>();
    private final Map<String, Timer> lag = new ConcurrentHashMap<>();
    private final Map<String, Timer> sagaSteps = new ConcurrentHashMap<>();
    private final DistributionSummary batchSize;
    private final Timer dispatch;
    private final AtomicLong iteratorAgeMillis = new AtomicLong();

    private final Function<String, Timer> newAppend;
    private final Function<String, Counter> newAppendedEvents;
    private final Function<String, Counter> newConflict;
    private final Function<String, Counter> newRetry;
    private final Function<String, Counter> newRejection;
    private final Function<String, Timer> newDeliveryLatency;
    private final Function<String, Counter> newDelivery;
    private final Function<String, Counter> newDeliveryRetry;
    private final Function<String, Counter> newDeadLetter;
    private final Function<String, Timer> newLag;
    private final Function<String, Timer> newSagaStep;

    public MeterTelemetry(MeterRegistry registry) {
        this.registry = registry;
        this.batchSize = DistributionSummary.builder("tally.dispatch.batch.size")
                .description("events per batch the dispatcher turned into messages").register(registry);
        this.dispatch = Timer.builder("tally.dispatch")
                .description("time to turn a batch into messages and publish them").register(registry);
        TimeGauge.builder("tally.stream.iterator.age", iteratorAgeMillis, TimeUnit.MILLISECONDS, AtomicLong::get)
                .description("age of the oldest record in the last change-feed batch read").register(registry);
        newAppend = store -> Timer.builder("tally.append").tag("store", store)
                .description("ledger appends that were stored").register(registry);
        newAppendedEvents = store -> Counter.builder("tally.append.events").tag("store", store).baseUnit("events")
                .description("events appended").register(registry);
        newConflict = store -> Counter.builder("tally.append.conflicts").tag("store", store)
                .description("appends refused with a version conflict").register(registry);
        newRetry = store -> Counter.builder("tally.command.retries").tag("store", store)
                .description("commands decided again after a conflict or unknown outcome").register(registry);
        newRejection = store -> Counter.builder("tally.command.rejections").tag("store", store)
                .description("commands rejected by their decider").register(registry);
        newDeliveryLatency = target -> Timer.builder("tally.delivery").tag("target", target)
                .description("time a target took to handle a message").register(registry);
        newDelivery = target -> Counter.builder("tally.deliveries").tag("target", target)
                .description("messages a target handled").register(registry);
        newDeliveryRetry = target -> Counter.builder("tally.delivery.retries").tag("target", target)
                .description("failed deliveries that will be retried").register(registry);
        newDeadLetter = target -> Counter.builder("tally.dead.letters").tag("target", target)
                .description("deliveries that went to the dead letters").register(registry);
        newSagaStep = saga -> Timer.builder("tally.saga.step").tag("saga", saga)
                .description("a saga step: its action performed and the reply recorded").register(registry);
        newLag = projection -> Timer.builder("tally.projection.lag").tag("projection", projection)
                .description("from an event's timestamp to the write of its view")
                .serviceLevelObjectives(LAG_BUCKETS).register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    private static <M> M meter(Map<String, M> meters, String key, Function<String, M> create) {
        M m = meters.get(key);
        return m != null ? m : meters.computeIfAbsent(key, create);
    }

    @Override
    public void appended(String store, int events, long nanos) {
        meter(appends, store, newAppend).record(nanos, TimeUnit.NANOSECONDS);
        meter(appendedEvents, store, newAppendedEvents).increment(events);
    }

    @Override
    public void conflict(String store) {
        meter(conflicts, store, newConflict).increment();
    }

    @Override
    public void commandRetry(String store) {
        meter(retries, store, newRetry).increment();
    }

    @Override
    public void rejected(String store) {
        meter(rejections, store, newRejection).increment();
    }

    @Override
    public void dispatched(int size, long nanos) {
        batchSize.record(size);
        dispatch.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void iteratorAge(long millis) {
        iteratorAgeMillis.set(Math.max(0, millis));
    }

    @Override
    public void delivered(String target, long nanos) {
        meter(deliveryLatency, target, newDeliveryLatency).record(nanos, TimeUnit.NANOSECONDS);
        meter(deliveries, target, newDelivery).increment();
    }

    @Override
    public void sagaStep(String saga, long nanos) {
        meter(sagaSteps, saga, newSagaStep).record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void deliveryRetry(String target) {
        meter(deliveryRetries, target, newDeliveryRetry).increment();
    }

    @Override
    public void deadLettered(String target) {
        meter(deadLetters, target, newDeadLetter).increment();
    }

    @Override
    public void viewWritten(String projection, Instant eventTime) {
        long millis = System.currentTimeMillis() - eventTime.toEpochMilli();
        meter(lag, projection, newLag).record(Math.max(0, millis), TimeUnit.MILLISECONDS);
    }
}
