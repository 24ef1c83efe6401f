package dev.tally.aws.app;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.tally.core.EventMetadata;
import dev.tally.http.Correlation;
import dev.tally.http.HttpRequest;
import dev.tally.http.HttpResponse;
import dev.tally.http.Route;
import dev.tally.http.TallyHttp;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.function.Consumer;

/**
 * API Gateway HTTP API (payload format 2.0) events as the {@link TallyHttp} contract's requests,
 * and its answers back: the command and query functions are this adapter and nothing else, so
 * they answer exactly as {@code tally serve} does.
 */
final class HttpApiEvents {
    private static final Consumer<HttpRequest> NO_CHECK = r -> { };

    private HttpApiEvents() {
    }

    /** Runs one event through the contract's routes {@code routes}. */
    static APIGatewayV2HTTPResponse answer(TallyHttp contract, List<Route> routes, APIGatewayV2HTTPEvent event) {
        HttpRequest request;
        try {
            request = request(event);
        } catch (IllegalArgumentException e) {
            return response(HttpResponse.error(400, "not_an_http_request", e.getMessage()));
        }
        String sent = request.header(Correlation.HEADER);
        if (sent != null && !Correlation.valid(sent)) {
            return response(HttpResponse.error(400, "invalid_correlation_id", Correlation.invalid().getMessage()));
        }
        // the request's correlation: what the caller sent, else API Gateway's own request id
        String correlationId = sent != null ? sent
                : event.getRequestContext().getRequestId() != null ? event.getRequestContext().getRequestId()
                : java.util.UUID.randomUUID().toString();
        CURRENT.set(new RequestCorrelation(correlationId, Correlation.traceparentOrNull(request.header("traceparent"))));
        try {
            APIGatewayV2HTTPResponse answer = response(contract.answer(request, routes, NO_CHECK));
            Map<String, String> headers = new java.util.HashMap<>(answer.getHeaders() == null ? Map.of() : answer.getHeaders());
            headers.put(Correlation.HEADER, correlationId);
            answer.setHeaders(headers);
            return answer;
        } finally {
            CURRENT.remove();
        }
    }

    private record RequestCorrelation(String correlationId, String traceparent) {
    }

    /** The request on this thread, while {@link #answer} runs it. */
    private static final ThreadLocal<RequestCorrelation> CURRENT = new ThreadLocal<>();

    /**
     * What a command run by the request appends carries its correlation id, its command id as
     * causation id and the caller's traceparent, as on {@code tally serve} (the contract's
     * {@code enrich}).
     */
    static EventMetadata enrich(EventMetadata metadata) {
        RequestCorrelation r = CURRENT.get();
        return r == null ? metadata : Correlation.stamp(metadata, r.correlationId(), r.traceparent());
    }

    static HttpRequest request(APIGatewayV2HTTPEvent e) {
        if (e.getRequestContext() == null || e.getRequestContext().getHttp() == null
                || e.getRequestContext().getHttp().getMethod() == null) {
            throw new IllegalArgumentException("the event has no HTTP method: this function is the target of an API"
                    + " Gateway HTTP API route (payload format 2.0)");
        }
        String raw = e.getBody();
        byte[] body = raw == null ? new byte[0]
                : e.getIsBase64Encoded() ? Base64.getDecoder().decode(raw) : raw.getBytes(StandardCharsets.UTF_8);
        Map<String, String> headers = e.getHeaders() == null ? Map.of() : e.getHeaders();
        return HttpRequest.of(e.getRequestContext().getHttp().getMethod(), e.getRawPath() == null ? "" : e.getRawPath(),
                query(e), headers, body);
    }

    /** The raw query string, or one built from the decoded parameters when the event has none. */
    private static String query(APIGatewayV2HTTPEvent e) {
        if (e.getRawQueryString() != null && !e.getRawQueryString().isEmpty()) {
            return e.getRawQueryString();
        }
        if (e.getQueryStringParameters() == null || e.getQueryStringParameters().isEmpty()) {
            return null;
        }
        StringJoiner q = new StringJoiner("&");
        e.getQueryStringParameters().forEach((k, v) -> q.add(URLEncoder.encode(k, StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return q.toString();
    }

    static APIGatewayV2HTTPResponse response(HttpResponse r) {
        Map<String, String> headers = new LinkedHashMap<>(r.headers());
        headers.put("Content-Type", r.contentType());
        headers.put("Cache-Control", "no-store");
        return APIGatewayV2HTTPResponse.builder().withStatusCode(r.status()).withHeaders(headers)
                .withBody(r.bodyText()).build();
    }
}
