package dev.tally.aws.app;

import static dev.tally.aws.app.HttpApiEvents.ID;
import static dev.tally.aws.app.HttpApiEvents.NAME;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.aws.TallyEnvironment;
import dev.tally.aws.app.HttpApiEvents.Refusal;
import dev.tally.core.EventMetadata;
import dev.tally.core.EventStore;
import dev.tally.core.command.Command;
import dev.tally.core.command.CommandResult;
import dev.tally.core.command.RetriesExhausted;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.ledger.OutcomeUnknown;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * An {@code Idempotency-Key} header gives the command the same command id {@code tally serve}
 * gives it, so a retried request applies once. Handler:
 * {@code dev.tally.aws.app.CommandFunction::handleRequest} (environment: {@link AppFunctions}).
 */
public class CommandFunction implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    private static final Logger LOG = LoggerFactory.getLogger(CommandFunction.class);
    static final Pattern ROUTE = Pattern.compile("/api/stores/([^/]+)/([^/]+)/commands/([^/]+)");
    private static final int MAX_KEY = 255;

    /** Binds command records strictly: unknown, missing or null fields and 1.5 for a long are refused. */
    private static final ObjectReader COMMANDS = JsonCodec.mapper().reader()
            .with(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .with(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .with(DeserializationFeature.FAIL_ON_NULL_CREATOR_PROPERTIES)
            .with(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .without(DeserializationFeature.ACCEPT_FLOAT_AS_INT);

    private final Map<String, EventStore<?>> stores;

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
        this.stores = Map.copyOf(Objects.requireNonNull(stores, "stores"));
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        try {
            return answer(event);
        } catch (Refusal r) {
            return HttpApiEvents.error(r.status, r.code, r.getMessage());
        } catch (RetriesExhausted e) {
            return HttpApiEvents.error(503, "busy", e.getMessage());
        } catch (OutcomeUnknown e) {
            LOG.warn("{}: {}", event.getRawPath(), e.getMessage());
            return HttpApiEvents.error(503, "outcome_unknown", "the command may or may not have been applied; retry"
                    + " with the same Idempotency-Key to find out (it is applied at most once)");
        } catch (RuntimeException | StackOverflowError e) {
            return HttpApiEvents.internal(LOG, event, e);
        }
    }

    private APIGatewayV2HTTPResponse answer(APIGatewayV2HTTPEvent event) {
        List<String> params = HttpApiEvents.match(ROUTE, event, List.of(NAME, ID, NAME),
                List.of("store", "aggregate id", "command"));
        if (params == null) {
            throw new Refusal(404, "not_found", "no route " + event.getRawPath() + " here: this function serves"
                    + " POST /api/stores/{store}/{id}/commands/{Command}");
        }
        if (!"POST".equals(HttpApiEvents.method(event))) {
            throw new Refusal(405, "method_not_allowed", HttpApiEvents.method(event) + " is not allowed on "
                    + event.getRawPath() + ": send the command with POST");
        }
        EventStore<?> store = stores.get(params.get(0));
        if (store == null) {
            throw new Refusal(404, "unknown_store", "no store '" + params.get(0) + "'; the stores are "
                    + stores.keySet());
        }
        String commandName = params.get(2);
        Class<?> type = store.definition().commandTypes().get(commandName);
        if (type == null) {
            throw new Refusal(404, "unknown_command", "store '" + store.name() + "' has no command '" + commandName
                    + "'; its commands are " + store.definition().commandTypes().keySet());
        }
        if (store.definition().isInternal(commandName)) {
            java.util.Set<String> open = new java.util.LinkedHashSet<>(store.definition().commandTypes().keySet());
            open.removeAll(store.definition().internalCommands());
            throw new Refusal(403, "internal_command", "command '" + commandName + "' of store '" + store.name()
                    + "' is internal: its app declared it for its own process (a saga or the app's code), so it is"
                    + " not accepted over HTTP; use the app's own routes, or one of the store's other commands " + open);
        }
        JsonNode body = HttpApiEvents.body(event);
        Object command;
        try {
            command = COMMANDS.treeToValue(body, type);
        } catch (JsonMappingException e) {
            String field = e.getPath().isEmpty() ? null : e.getPath().get(0).getFieldName();
            throw new Refusal(400, "invalid_command", (field == null ? "the body" : "field '" + field + "'")
                    + " does not fit " + commandName + ": " + e.getOriginalMessage().split("\n")[0]
                    + "; send the command's fields as JSON, e.g. " + example(type));
        } catch (IllegalArgumentException | com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new Refusal(400, "invalid_command", "the body does not fit " + commandName + ": "
                    + e.getMessage() + "; send e.g. " + example(type));
        }
        return execute(store, params.get(1), command, metadata(event));
    }

    @SuppressWarnings("unchecked")
    private static <S> APIGatewayV2HTTPResponse execute(EventStore<S> store, String id, Object command,
                                                        EventMetadata metadata) {
        CommandResult<S> r = store.execute(id, (Command<S>) command, metadata);
        if (r instanceof CommandResult.Rejected<S> rejected) {
            return HttpApiEvents.error(422, rejected.rejection().code(), rejected.rejection().message());
        }
        return HttpApiEvents.json(200, JsonCodec.object().put("aggregateId", id).put("version", r.aggregate().version()));
    }

    /**
     * The command id an {@code Idempotency-Key} gives (the one {@code tally serve} derives: the same
     * key names the same command on either host).
     */
    static EventMetadata metadata(APIGatewayV2HTTPEvent event) {
        String key = HttpApiEvents.header(event, "Idempotency-Key");
        if (key == null) {
            return EventMetadata.empty();
        }
        if (key.isEmpty() || key.length() > MAX_KEY || !key.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)) {
            throw new Refusal(400, "invalid_idempotency_key", "Idempotency-Key must be 1-" + MAX_KEY
                    + " visible ASCII characters (e.g. a UUID)");
        }
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return EventMetadata.empty().withCommandId("http:" + Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(hash));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** A JSON sketch of a command record's fields, for error messages. */
    private static String example(Class<?> type) {
        if (!type.isRecord()) {
            return "{}";
        }
        ObjectNode n = JsonCodec.object();
        for (var c : type.getRecordComponents()) {
            n.put(c.getName(), "<" + c.getType().getSimpleName() + ">");
        }
        return n.toString();
    }
}
