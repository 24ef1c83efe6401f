package dev.tally.local;

import java.util.Locale;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

/**
 * The HTTP client of long-running processes ({@code tally serve}, the CLI's direct-backend commands,
 * containers): Apache 5 with a connection pool. Lambda functions keep the url-connection client
 * (smaller jar, nothing to pool at cold start); docs/benchmarks.md ("HTTP client per environment")
 * has the measurements behind the choice.
 *
 * <p>The system property {@code tally.http.client} or the environment variable
 * {@code TALLY_HTTP_CLIENT} set to {@code url-connection} selects the url-connection client instead
 * (the benchmarks compare the two this way).
 */
public final class LongRunningHttp {
    /** Connections per client: above the HTTP API's default worker count, so workers never wait for one. */
    public static final int MAX_CONNECTIONS = 64;

    private LongRunningHttp() {
    }

    /** A new client of the configured kind; the SDK client it is given to closes it. */
    public static SdkHttpClient client() {
        return switch (configured()) {
            case "apache5" -> Apache5HttpClient.builder().maxConnections(MAX_CONNECTIONS).build();
            case "url-connection" -> UrlConnectionHttpClient.create();
            default -> throw new IllegalArgumentException("tally.http.client / TALLY_HTTP_CLIENT is '" + configured()
                    + "': use apache5 (the default) or url-connection");
        };
    }

    /** {@code apache5} unless the property or environment variable says otherwise. */
    public static String configured() {
        String v = System.getProperty("tally.http.client");
        if (v == null || v.isBlank()) {
            v = System.getenv("TALLY_HTTP_CLIENT");
        }
        return v == null || v.isBlank() ? "apache5" : v.trim().toLowerCase(Locale.ROOT);
    }
}
