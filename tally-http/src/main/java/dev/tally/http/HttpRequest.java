package dev.tally.http;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * One HTTP request as any host sees it: the method, the raw (still %-encoded) path and query, the
 * headers (names compared without case) and the body as sent. {@code tally serve} builds it from its
 * listener's exchange, the Lambda functions from an API Gateway event.
 */
public record HttpRequest(String method, String path, String query, Map<String, List<String>> headers, byte[] body) {
    public HttpRequest {
        method = method.toUpperCase(Locale.ROOT);
        Map<String, List<String>> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        if (headers != null) {
            headers.forEach((k, v) -> h.merge(k, List.copyOf(v), (a, b) -> {
                java.util.List<String> all = new java.util.ArrayList<>(a);
                all.addAll(b);
                return List.copyOf(all);
            }));
        }
        headers = java.util.Collections.unmodifiableMap(h);
        body = body == null ? new byte[0] : body;
        query = query == null || query.isEmpty() ? null : query;
    }

    /** A request with single-valued headers. */
    public static HttpRequest of(String method, String path, String query, Map<String, String> headers, byte[] body) {
        Map<String, List<String>> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        if (headers != null) {
            headers.forEach((k, v) -> h.put(k, List.of(v)));
        }
        return new HttpRequest(method, path, query, h, body);
    }

    /** The first value of a header, or null. */
    public String header(String name) {
        List<String> v = headers.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }
}
