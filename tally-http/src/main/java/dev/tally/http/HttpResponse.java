package dev.tally.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.json.JsonCodec;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An answer: the status, the headers the route sets (the host adds its own, such as
 * {@code Cache-Control}) and the body. {@link #contentType()} is a header like the others.
 */
public record HttpResponse(int status, Map<String, String> headers, byte[] body) {
    public static final String JSON = "application/json; charset=utf-8";

    public HttpResponse {
        headers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(headers));
        body = body == null ? new byte[0] : body;
    }

    public static HttpResponse of(int status, String contentType, byte[] body) {
        return new HttpResponse(status, Map.of("Content-Type", contentType), body);
    }

    public static HttpResponse json(int status, JsonNode body) {
        return of(status, JSON, body.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** {@code {"error": code, "message": message}}: every refusal has this shape. */
    public static HttpResponse error(int status, String code, String message) {
        return json(status, JsonCodec.object().put("error", code).put("message", message));
    }

    public String contentType() {
        return headers.getOrDefault("Content-Type", JSON);
    }

    public String header(String name) {
        for (Map.Entry<String, String> e : headers.entrySet()) {
            if (e.getKey().equalsIgnoreCase(name)) {
                return e.getValue();
            }
        }
        return null;
    }

    public HttpResponse withHeader(String name, String value) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(name, value);
        return new HttpResponse(status, h, body);
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }
}
