package dev.tally.aws.app;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.json.JsonCodec;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;

/**
 * API Gateway HTTP API (payload format 2.0) requests and answers for the command and query
 * functions: the same JSON errors as {@code tally serve} ({@code {"error": code, "message": ...}}),
 * the same id rules and the same body limit.
 */
final class HttpApiEvents {
    static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    static final int MAX_BODY = 16 * 1024;

    private HttpApiEvents() {
    }

    /** A refusal the client caused. */
    static final class Refusal extends RuntimeException {
        final int status;
        final String code;

        Refusal(int status, String code, String message) {
            super(message, null, false, false);
            this.status = status;
            this.code = code;
        }
    }

    static String method(APIGatewayV2HTTPEvent e) {
        if (e.getRequestContext() != null && e.getRequestContext().getHttp() != null
                && e.getRequestContext().getHttp().getMethod() != null) {
            return e.getRequestContext().getHttp().getMethod();
        }
        throw new Refusal(400, "not_an_http_request", "the event has no HTTP method: this function is the target of"
                + " an API Gateway HTTP API route (payload format 2.0)");
    }

    /** The path's segments matched by {@code route}, each decoded once and checked; null when it does not match. */
    static List<String> match(Pattern route, APIGatewayV2HTTPEvent e, List<Pattern> rules, List<String> what) {
        String path = e.getRawPath() == null ? "" : e.getRawPath();
        Matcher m = route.matcher(path);
        if (!m.matches()) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (int i = 1; i <= m.groupCount(); i++) {
            String v = URLDecoder.decode(m.group(i).replace("+", "%2B"), StandardCharsets.UTF_8);
            if (!rules.get(i - 1).matcher(v).matches()) {
                throw new Refusal(400, "invalid_" + what.get(i - 1).replace(' ', '_'), what.get(i - 1) + " '"
                        + (v.length() > 70 ? v.substring(0, 70) + "..." : v) + "' is not valid: use 1-64 letters,"
                        + " digits, '_' or '-'");
            }
            out.add(v);
        }
        return out;
    }

    /** The body as JSON (an empty object for no body); at most {@link #MAX_BODY} bytes. */
    static JsonNode body(APIGatewayV2HTTPEvent e) {
        String raw = e.getBody();
        if (raw == null || raw.isBlank()) {
            return JsonCodec.object();
        }
        byte[] bytes = e.getIsBase64Encoded() ? Base64.getDecoder().decode(raw) : raw.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_BODY) {
            throw new Refusal(413, "body_too_large", "the request body is over " + MAX_BODY + " bytes");
        }
        try {
            return JsonCodec.parse(bytes);
        } catch (RuntimeException bad) {
            throw new Refusal(400, "invalid_json", "the body is not JSON: send the command's fields as a JSON object");
        }
    }

    /** A header, whatever its case (HTTP APIs lower-case them). */
    static String header(APIGatewayV2HTTPEvent e, String name) {
        Map<String, String> headers = e.getHeaders();
        if (headers == null) {
            return null;
        }
        for (Map.Entry<String, String> h : headers.entrySet()) {
            if (h.getKey().equalsIgnoreCase(name)) {
                return h.getValue();
            }
        }
        return null;
    }

    static String query(APIGatewayV2HTTPEvent e, String name) {
        Map<String, String> q = e.getQueryStringParameters();
        return q == null ? null : q.get(name);
    }

    static APIGatewayV2HTTPResponse json(int status, JsonNode body) {
        return APIGatewayV2HTTPResponse.builder().withStatusCode(status)
                .withHeaders(Map.of("Content-Type", "application/json", "Cache-Control", "no-store"))
                .withBody(body.toString()).build();
    }

    static APIGatewayV2HTTPResponse error(int status, String code, String message) {
        return json(status, JsonCodec.object().put("error", code).put("message", message));
    }

    /** A failure of ours: the client gets an id to quote, the log has the details. */
    static APIGatewayV2HTTPResponse internal(Logger log, APIGatewayV2HTTPEvent e, Throwable t) {
        String id = UUID.randomUUID().toString().substring(0, 8);
        log.error("error {}: {} {} failed", id, e.getRequestContext() == null || e.getRequestContext().getHttp() == null
                ? "?" : e.getRequestContext().getHttp().getMethod(), e.getRawPath(), t);
        return json(500, JsonCodec.object().put("error", "internal").put("errorId", id)
                .put("message", "the function failed on this request; its log has the details under error id " + id));
    }
}
