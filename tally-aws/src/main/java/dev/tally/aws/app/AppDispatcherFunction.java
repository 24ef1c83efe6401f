package dev.tally.aws.app;

import dev.tally.aws.EventBridgeBus;
import dev.tally.aws.StreamDispatcherHandler;
import dev.tally.aws.TallyEnvironment;
import dev.tally.core.runtime.Dispatcher;
import java.util.List;
import java.util.Map;

/**
 * The dispatcher of any {@link dev.tally.core.app.TallyApp}: the ledger's stream in, state-carrying
 * messages out to the EventBridge bus {@code TALLY_EVENT_BUS}. Its stores read snapshots and never
 * write one. Handler: {@code dev.tally.aws.app.AppDispatcherFunction::handleRequest}.
 */
public final class AppDispatcherFunction extends StreamDispatcherHandler {
    public AppDispatcherFunction() {
        this(System.getenv());
    }

    private AppDispatcherFunction(Map<String, String> variables) {
        this(new TallyEnvironment(variables), variables);
    }

    private AppDispatcherFunction(TallyEnvironment env, Map<String, String> variables) {
        super(new Dispatcher(List.copyOf(AppFunctions.stores(AppFunctions.findApp(variables), env, variables,
                AppFunctions.Snapshots.READ_ONLY).values()), new EventBridgeBus(env.eventBridge(),
                env.require("TALLY_EVENT_BUS", "the EventBridge bus the dispatcher publishes to"))));
    }
}
