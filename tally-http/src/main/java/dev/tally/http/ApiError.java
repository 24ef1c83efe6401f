package dev.tally.http;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A refusal a client caused (or a transient one it can retry): becomes
 * {@code {"error": code, "message": ...}} with its status and headers (such as {@code Retry-After}).
 */
public final class ApiError extends RuntimeException {
    private final int status;
    private final String code;
    private final Map<String, String> headers;

    public ApiError(int status, String code, String message) {
        this(status, code, message, Map.of());
    }

    public ApiError(int status, String code, String message, Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.headers = Map.copyOf(headers);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public HttpResponse response() {
        HttpResponse r = HttpResponse.error(status, code, getMessage());
        for (Map.Entry<String, String> e : new LinkedHashMap<>(headers).entrySet()) {
            r = r.withHeader(e.getKey(), e.getValue());
        }
        return r;
    }
}
