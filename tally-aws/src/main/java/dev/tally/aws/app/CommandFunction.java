package dev.tally.aws.app;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.tally.aws.TallyEnvironment;
import dev.tally.core.EventStore;
import dev.tally.http.IdempotencyKeys;
import dev.tally.http.Route;
import dev.tally.http.TallyHttp;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The command side of any {@link dev.tally.core.app.TallyApp} on AWS: the target of the API
 * Gateway HTTP API route {@code POST /api/stores/{store}/{id}/commands/{Command}}, with the command
 * record as JSON, exactly as {@code tally serve} answers it:
 *
 * <pre>
 * 200 {"aggregateId", "version"}
 * 400 {"error": "invalid_command", ...}   the body does not bind to the command record (the field is named)
 * 404 {"error": "unknown_store" | "unknown_command", ...}
 * 422 {"error": the rejection's code, "message": its message}   nothing was written
 * 503 {"error": "busy" | "outcome_unknown", ...}
 * </pre>
 *
 * It is a thin adapter of the {@link TallyHttp} contract (binding, its errors, the command id an
 * {@code Idempotency-Key} gives), so it answers exactly as {@code tally serve} does and a retried
 * request applies once. Handler:
 * {@code dev.tally.aws.app.CommandFunction::handleRequest} (environment: {@link AppFunctions}).
 */
public class CommandFunction implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    private final TallyHttp contract;
    private static final java.util.Set<String> ROUTES = java.util.Set.of(TallyHttp.COMMAND_ROUTE,
            TallyHttp.REPLAY_ROUTE, TallyHttp.FORGET_ROUTE);

    /** The write routes on stores (commands, replay, forget): API Gateway sends this function nothing else. */
    private final List<Route> routes;

    /** On Lambda: the app in the jar, its stores over the tables the environment names. */
    public CommandFunction() {
        this(storesOf(System.getenv()));
        // SnapStart: load and initialise the codec and the SDK's request path before the snapshot (docs/aws.md)
        Priming.ifWanted(AppFunctions.findApp(System.getenv()), System.getenv());
    }

    private static Map<String, EventStore<?>> storesOf(Map<String, String> variables) {
        return AppFunctions.appendingStores(AppFunctions.findApp(variables), new TallyEnvironment(variables), variables,
                AppFunctions.Snapshots.READ_WRITE);
    }

    /**
     * The function as Lambda builds it, for this app, from these environment variables instead of the
     * process's (with the keys of personal data when the app declares some).
     */
    public static CommandFunction fromEnvironment(dev.tally.core.app.TallyApp app, Map<String, String> variables) {
        return new CommandFunction(AppFunctions.appendingStores(app, new TallyEnvironment(variables), variables,
                AppFunctions.Snapshots.READ_WRITE));
    }

    public CommandFunction(Map<String, EventStore<?>> stores) {
        this.contract = new TallyHttp(Map.copyOf(Objects.requireNonNull(stores, "stores")), Map.of(), List.of(),
                IdempotencyKeys.withoutAnswers(),
                new TallyHttp.Options(HttpApiEvents::enrich, TallyHttp.Options.DEFAULTS.cursorError()));
        this.routes = contract.routes().stream().filter(r -> ROUTES.contains(r.path().pattern())).toList();
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return HttpApiEvents.answer(contract, routes, event);
    }
}
