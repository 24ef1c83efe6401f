package dev.tally.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.AggregateDefinition;
import dev.tally.core.EventStore;
import dev.tally.core.app.AppContext;
import dev.tally.core.app.AppRoute;
import dev.tally.core.app.TallyApp;
import dev.tally.core.command.Command;
import dev.tally.core.command.CommandResult;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.memory.InMemoryPipeline;
import dev.tally.core.memory.InMemoryProjectionWriter;
import dev.tally.core.memory.InMemoryTimerStore;
import dev.tally.core.projection.Projection;
import dev.tally.core.projection.ViewReader;
import dev.tally.core.internal.Chaos;
import dev.tally.core.runtime.FailurePolicy;
import dev.tally.core.saga.Saga;
import dev.tally.core.saga.SagaRunner;
import dev.tally.core.saga.Timer;
import dev.tally.core.saga.TimerPoller;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import org.opentest4j.AssertionFailedError;

/**
 * Runs apps whole in memory for a test: their stores, projections and sagas on one in-memory
 * pipeline, the sagas' timers on a {@link MutableClock} that only the test moves. Each call that
 * changes something returns once everything it caused has settled: messages delivered, views
 * written, sagas advanced, timers that came due fired.
 *
 * <pre>{@code
 * try (AppFlow flow = AppFlow.start(new LibraryApp())) {
 *     flow.execute(Loan.DEFINITION, "loan-1", new Lend("member-1", "book-7", flow.now().plus(Duration.ofDays(14))));
 *     flow.advance(Duration.ofDays(15));            // the due timer fires, the saga suspends the member
 *     assertThat(flow.store(Member.DEFINITION).load("member-1").state().suspended()).isTrue();
 * }
 * }</pre>
 *
 * The clock starts at {@link DeciderSpecification#DEFAULT_START}; it stamps the events, decides
 * ({@link dev.tally.core.DecisionContext#now()}) and tells which timers are due. A delivery that
 * fails for good (a saga that throws, say) fails the next call with what failed.
 */
public final class AppFlow implements AutoCloseable {
    private static final Duration SETTLE = Duration.ofSeconds(30);

    private final MutableClock clock = new MutableClock(DeciderSpecification.DEFAULT_START);
    private final InMemoryPipeline pipeline = InMemoryPipeline.create(Chaos.NONE).clock(clock);
    private final InMemoryTimerStore timers = new InMemoryTimerStore();
    private final Map<String, EventStore<?>> stores = new LinkedHashMap<>();
    private final Map<String, InMemoryProjectionWriter<?>> views = new LinkedHashMap<>();
    private final List<SagaRunner<?, ?>> runners = new ArrayList<>();
    private final List<AppRoute> routes = new ArrayList<>();
    private final TimerPoller poller;

    private AppFlow(List<TallyApp> apps) {
        for (TallyApp app : apps) {
            app.stores().forEach(d -> stores.put(d.name(), pipeline.store(d)));
            for (Projection<?, ?> p : app.projections()) {
                project(p);
            }
        }
        for (TallyApp app : apps) {
            for (Saga<?, ?> saga : app.sagas()) {
                runners.add(run(saga));
            }
        }
        AppContext context = new AppContext() {
            @Override
            @SuppressWarnings("unchecked")
            public <S> EventStore<S> store(AggregateDefinition<S> definition) {
                return (EventStore<S>) AppFlow.this.store(definition);
            }

            @Override
            public <V> ViewReader<V> views(Projection<?, V> projection) {
                return AppFlow.this.view(projection);
            }
        };
        for (TallyApp app : apps) {
            routes.addAll(app.routes(context));
        }
        pipeline.start();
        poller = new TimerPoller(timers, runners, clock, Duration.ofSeconds(1));
    }

    /** The apps' stores, projections and sagas, running, with the clock at {@link DeciderSpecification#DEFAULT_START}. */
    public static AppFlow start(TallyApp... apps) {
        return new AppFlow(List.of(apps));
    }

    private <V> void project(Projection<?, V> projection) {
        InMemoryProjectionWriter<V> writer = new InMemoryProjectionWriter<>(projection.name());
        views.put(projection.name(), writer);
        pipeline.project(projection, writer);
    }

    private <E, S> SagaRunner<E, S> run(Saga<E, S> saga) {
        EventStore<S> instances = pipeline.store(saga.definition());
        stores.put(saga.name(), instances);
        SagaRunner<E, S> runner = new SagaRunner<>(saga, instances, stores::get, timers,
                new FailurePolicy(new dev.tally.core.RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(5)), false),
                clock);
        pipeline.subscribe(runner.observer());
        pipeline.subscribe(runner.worker());
        return runner;
    }

    /** The clock: what time it is for the apps. */
    public Instant now() {
        return clock.instant();
    }

    /** Moves the clock forward, fires the timers that came due and waits until all is settled. */
    public AppFlow advance(Duration by) {
        if (by.isNegative()) {
            throw new IllegalArgumentException("time only moves forward, got " + by);
        }
        clock.advance(by);
        return settle();
    }

    /** Runs a command, then waits until what it caused has settled. */
    public <S> CommandResult<S> execute(AggregateDefinition<S> definition, String aggregateId, Command<S> command) {
        CommandResult<S> r = store(definition).execute(aggregateId, command);
        settle();
        return r;
    }

    /** The running store of a definition (a saga's too: {@code saga.definition()}). */
    @SuppressWarnings("unchecked")
    public <S> EventStore<S> store(AggregateDefinition<S> definition) {
        EventStore<?> s = stores.get(definition.name());
        if (s == null) {
            throw new IllegalArgumentException("no store '" + definition.name() + "' in the apps of this flow; it has "
                    + stores.keySet());
        }
        return (EventStore<S>) s;
    }

    /** The views of a projection. */
    @SuppressWarnings("unchecked")
    public <V> ViewReader<V> view(Projection<?, V> projection) {
        InMemoryProjectionWriter<?> w = views.get(projection.name());
        if (w == null) {
            throw new IllegalArgumentException("no projection '" + projection.name() + "' in the apps of this flow;"
                    + " it has " + views.keySet());
        }
        return (ViewReader<V>) w;
    }

    /** The timers the sagas set that have not fired yet, earliest first. */
    public List<Timer> pendingTimers() {
        return timers.due(Instant.MAX, Integer.MAX_VALUE);
    }

    /**
     * Calls one of the apps' own routes ({@link TallyApp#routes}) as a host would, then settles. A
     * refusal comes back as the route's {@link AppRoute.AppError}.
     */
    public AppRoute.Response call(String method, String path, JsonNode body) {
        for (AppRoute route : routes) {
            Matcher m = route.path().matcher(path);
            if (route.method().equals(method) && m.matches()) {
                List<String> params = new ArrayList<>();
                for (int i = 1; i <= m.groupCount(); i++) {
                    params.add(m.group(i));
                }
                AppRoute.Response r = route.handler().handle(new AppRoute.Request(params,
                        body == null ? JsonCodec.object() : body, Map.of()));
                settle();
                return r;
            }
        }
        throw new IllegalArgumentException("no route of the apps answers " + method + " " + path);
    }

    /**
     * Waits until every message is delivered, every saga advanced and every timer due now fired,
     * again and again until nothing moves.
     */
    public AppFlow settle() {
        for (int round = 0; round < 1_000; round++) {
            if (!pipeline.awaitQuiet(SETTLE)) {
                throw new AssertionFailedError("the apps did not settle within " + SETTLE + ": is a saga or a"
                        + " projection looping?");
            }
            failOnDeadLetters();
            if (poller.pollOnce() == 0) {
                if (!timers.due(clock.instant(), 1).isEmpty()) {
                    throw new AssertionFailedError("a timer that is due could not fire: " + timers.due(clock.instant(), 1)
                            + " (see the log for the saga's error)");
                }
                return this;
            }
        }
        throw new AssertionFailedError("timers kept firing for 1000 rounds: does a saga set a timer due now each time?");
    }

    private void failOnDeadLetters() {
        if (pipeline.deadLetters().count() > 0) {
            throw new AssertionFailedError("a delivery failed for good: "
                    + pipeline.deadLetters().page(dev.tally.core.PageRequest.first(10)).items());
        }
    }

    @Override
    public void close() {
        pipeline.close();
    }
}
