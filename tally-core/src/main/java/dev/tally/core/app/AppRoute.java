package dev.tally.core.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.EventMetadata;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One HTTP route of an app: a method, a path pattern whose groups are path parameters (each an id:
 * the host decodes it and checks it is 1-64 characters of letters, digits, '_' or '-'), whether it
 * writes (then the host applies its write rules: authentication, content type), and the handler.
 */
public record AppRoute(String method, Pattern path, boolean writes, Handler handler) {
    public AppRoute {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(handler, "handler");
    }

    public static AppRoute get(String path, Handler handler) {
        return new AppRoute("GET", Pattern.compile(path), false, handler);
    }

    public static AppRoute post(String path, Handler handler) {
        return new AppRoute("POST", Pattern.compile(path), true, handler);
    }

    public static AppRoute put(String path, Handler handler) {
        return new AppRoute("PUT", Pattern.compile(path), true, handler);
    }

    /** Answers a request; a refusal the client caused is an {@link AppError}. */
    @FunctionalInterface
    public interface Handler {
        Response handle(Request request);
    }

    /**
     * A request as the host parsed it.
     *
     * @param params   the path parameters, decoded and checked
     * @param body     the JSON object sent (an empty object for a GET or an empty body)
     * @param query    the query parameters
     * @param metadata what the request's commands should carry: a command id when the client sent an
     *                 {@code Idempotency-Key} (pass it to {@code EventStore.execute}, so a retried request
     *                 applies its command once; one command per aggregate per request)
     */
    public record Request(List<String> params, JsonNode body, Map<String, String> query, EventMetadata metadata) {
        public Request {
            metadata = metadata == null ? EventMetadata.empty() : metadata;
        }

        public Request(List<String> params, JsonNode body, Map<String, String> query) {
            this(params, body, query, EventMetadata.empty());
        }

        public String param(int index) {
            return params.get(index);
        }
    }

    /** A JSON answer. */
    public record Response(int status, JsonNode body) {
        public static Response ok(JsonNode body) {
            return new Response(200, body);
        }
    }

    /** A refusal the client caused: the host answers {@code {"error": code, "message": message}} with the status. */
    public static final class AppError extends RuntimeException {
        private final int status;
        private final String code;

        public AppError(int status, String code, String message) {
            super(message, null, false, false);
            this.status = status;
            this.code = code;
        }

        public int status() {
            return status;
        }

        public String code() {
            return code;
        }
    }
}
