package dev.tally.http;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.tally.core.json.JsonCodec;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/** Reading what a client sent: path segments, the query, the JSON body; each refusal is a 400 naming what. */
public final class Requests {
    /** An aggregate id in a path. */
    public static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    /** A store, projection, command or dead letter id in a path. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    /** The largest body a route reads. */
    public static final int MAX_BODY = 16 * 1024;

    /** Request bodies: a key named twice ({"amount": 1, "amount": 500}) is refused, not "last wins". */
    private static final ObjectReader REQUESTS = JsonCodec.mapper().reader()
            .with(StreamReadFeature.STRICT_DUPLICATE_DETECTION);

    private Requests() {
    }

    /** An aggregate id from the path, decoded once. */
    public static String id(String raw) {
        String id;
        try {
            id = URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException badEscape) {
            throw new ApiError(400, "invalid_id", "field 'id' is not a valid URL path segment: '" + raw + "'");
        }
        if (!ID.matcher(id).matches()) {
            throw new ApiError(400, "invalid_id", "field 'id' must be 1-64 characters of letters, digits, '_' or"
                    + " '-', got '" + clip(id) + "'");
        }
        return id;
    }

    /** A name from the path (store, projection, command, dead letter id): a short plain token. */
    public static String name(String what, String raw) {
        if (!NAME.matcher(raw).matches()) {
            throw new ApiError(400, "invalid_name", "the " + what + " in the path must be 1-64 characters of letters,"
                    + " digits, '_', '.' or '-', got '" + clip(raw) + "'");
        }
        return raw;
    }

    public static Map<String, String> query(String raw) {
        Map<String, String> q = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return q;
        }
        for (String part : raw.split("&")) {
            int eq = part.indexOf('=');
            try {
                String k = URLDecoder.decode(eq < 0 ? part : part.substring(0, eq), StandardCharsets.UTF_8);
                String v = eq < 0 ? "" : URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
                q.put(k, v);
            } catch (IllegalArgumentException badEscape) {
                throw new ApiError(400, "invalid_query", "the query string has a malformed %-escape: '"
                        + clip(part) + "'");
            }
        }
        return q;
    }

    public static int intParam(Map<String, String> q, String name, int dflt, int min, int max) {
        String v = q.get(name);
        if (v == null) {
            return dflt;
        }
        try {
            int n = Integer.parseInt(v);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new ApiError(400, "invalid_" + name, "'" + name + "' must be a whole number from " + min + " to " + max
                + ", got '" + v + "'");
    }

    public static ApiError badCursor(String cursor) {
        return new ApiError(400, "invalid_cursor", "'cursor' " + (cursor.length() > 80 ? "" : "'" + cursor + "' ")
                + "is not a cursor this server gave out: pass back the nextCursor of the previous page unchanged, or"
                + " leave it out for the first page");
    }

    /** The body, refused with 413 beyond {@link #MAX_BODY}. */
    public static byte[] bytes(HttpRequest request) {
        if (request.body().length > MAX_BODY) {
            throw new ApiError(413, "body_too_large", "the request body is over " + MAX_BODY + " bytes");
        }
        return request.body();
    }

    /** The JSON object sent, as the client wrote it; an empty body is an empty object. */
    public static JsonNode bodyOrEmpty(HttpRequest request, String example) {
        byte[] bytes = bytes(request);
        if (bytes.length == 0) {
            return JsonCodec.object();
        }
        try {
            // the literal as the client wrote it (1e2 stays a floating-point literal, not 100): input is
            // validated as written, not in its canonical form
            JsonNode n = REQUESTS.readTree(bytes);
            if (n == null || n.isMissingNode()) {
                return JsonCodec.object();
            }
            if (!n.isObject()) {
                throw new ApiError(400, "invalid_json", "the body must be a JSON object such as " + example);
            }
            return n;
        } catch (IOException e) {
            String reason = JsonErrors.describe(e);
            if (reason.startsWith("Duplicate field")) {
                throw new ApiError(400, "duplicate_key", "the body names a field twice (" + reason + "): send each"
                        + " field once");
            }
            throw new ApiError(400, "invalid_json", "the body is not valid JSON (" + reason + "); send e.g. "
                    + example);
        }
    }

    /** A non-empty JSON object (routes whose body is required). */
    public static JsonNode body(HttpRequest request, String example) {
        JsonNode n = bodyOrEmpty(request, example);
        if (n.isEmpty()) {
            throw new ApiError(400, "invalid_json", "the request body is empty; send JSON such as " + example);
        }
        return n;
    }

    static String clip(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
