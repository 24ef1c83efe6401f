package dev.tally.otel;

import dev.tally.core.spi.Telemetry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The pipeline's metrics in a Micrometer registry, all named under {@code tally.} (Prometheus:
 * {@code tally_append_seconds}, {@code tally_deliveries_total{target=...}},
 * {@code tally_projection_lag_seconds_bucket{le=...}}, ...). The full list is in
 * docs/observability.md.
 *
 * <p>Meters are registered once per store or target and kept in maps, so recording a value
 * looks up a map and adds to a meter: no tag or id is built on the hot path. {@link TallyTelemetry}
 * extends it with spans and the recent lag.
 */
public class MeterTelemetry implements Telemetry {
    /** The buckets of the event-to-view lag histogram. */
    static final Duration[] LAG_BUCKETS = {
        Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
        Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
        Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30),
        Duration.ofSeconds(60)};

    private final MeterRegistry registry;
    private final TaggedMeters<Timer> appends;
    private final TaggedMeters<Counter> appendedEvents;
    private final TaggedMeters<Counter> conflicts;
    private final TaggedMeters<Counter> retries;
    private final TaggedMeters<Counter> rejections;
    private final TaggedMeters<Timer> deliveryLatency;
    private final TaggedMeters<Counter> deliveries;
    private final TaggedMeters<Counter> deliveryRetries;
    private final TaggedMeters<Counter> deadLetters;
    private final TaggedMeters<Timer> lag;
    private final TaggedMeters<Timer> sagaSteps;
    private final DistributionSummary batchSize;
    private final Timer dispatch;
    private final AtomicLong iteratorAgeMillis = new AtomicLong();

    public MeterTelemetry(MeterRegistry registry) {
        this.registry = registry;
        this.batchSize = DistributionSummary.builder("tally.dispatch.batch.size")
                .description("events per batch the dispatcher turned into messages").register(registry);
        this.dispatch = Timer.builder("tally.dispatch")
                .description("time to turn a batch into messages and publish them").register(registry);
        TimeGauge.builder("tally.stream.iterator.age", iteratorAgeMillis, TimeUnit.MILLISECONDS, AtomicLong::get)
                .description("age of the oldest record in the last change-feed batch read").register(registry);
        appends = timers("tally.append", "store", "ledger appends that were stored");
        appendedEvents = new TaggedMeters<>(store -> Counter.builder("tally.append.events").tag("store", store)
                .baseUnit("events").description("events appended").register(registry));
        conflicts = counters("tally.append.conflicts", "store", "appends refused with a version conflict");
        retries = counters("tally.command.retries", "store", "commands decided again after a conflict or unknown outcome");
        rejections = counters("tally.command.rejections", "store", "commands rejected by their decider");
        deliveryLatency = timers("tally.delivery", "target", "time a target took to handle a message");
        deliveries = counters("tally.deliveries", "target", "messages a target handled");
        deliveryRetries = counters("tally.delivery.retries", "target", "failed deliveries that will be retried");
        deadLetters = counters("tally.dead.letters", "target", "deliveries that went to the dead letters");
        sagaSteps = timers("tally.saga.step", "saga", "a saga step: its action performed and the reply recorded");
        lag = new TaggedMeters<>(projection -> Timer.builder("tally.projection.lag").tag("projection", projection)
                .description("from an event's timestamp to the write of its view")
                .serviceLevelObjectives(LAG_BUCKETS).register(registry));
    }

    private TaggedMeters<Counter> counters(String name, String tag, String description) {
        return new TaggedMeters<>(value -> Counter.builder(name).tag(tag, value).description(description)
                .register(registry));
    }

    private TaggedMeters<Timer> timers(String name, String tag, String description) {
        return new TaggedMeters<>(value -> Timer.builder(name).tag(tag, value).description(description)
                .register(registry));
    }

    public MeterRegistry registry() {
        return registry;
    }

    @Override
    public void appended(String store, int events, long nanos) {
        appends.get(store).record(nanos, TimeUnit.NANOSECONDS);
        appendedEvents.get(store).increment(events);
    }

    @Override
    public void conflict(String store) {
        conflicts.get(store).increment();
    }

    @Override
    public void commandRetry(String store) {
        retries.get(store).increment();
    }

    @Override
    public void rejected(String store) {
        rejections.get(store).increment();
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
        deliveryLatency.get(target).record(nanos, TimeUnit.NANOSECONDS);
        deliveries.get(target).increment();
    }

    @Override
    public void sagaStep(String saga, long nanos) {
        sagaSteps.get(saga).record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void deliveryRetry(String target) {
        deliveryRetries.get(target).increment();
    }

    @Override
    public void deadLettered(String target) {
        deadLetters.get(target).increment();
    }

    @Override
    public void viewWritten(String projection, Instant eventTime) {
        long millis = System.currentTimeMillis() - eventTime.toEpochMilli();
        lag.get(projection).record(Math.max(0, millis), TimeUnit.MILLISECONDS);
    }
}
