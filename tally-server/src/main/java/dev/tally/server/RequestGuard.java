package dev.tally.server;

import com.sun.net.httpserver.HttpExchange;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * The browser-facing defences every request passes before it reaches a route:
 *
 * <ul>
 *   <li>{@code Host} must name this server (DNS rebinding: a page on evil.example whose name now
 *       resolves to 127.0.0.1 sends {@code Host: evil.example}). Accepted: the configured
 *       {@code --host} and the bound address; on loopback also {@code localhost}, {@code 127.0.0.1}
 *       and {@code [::1]}; on a wildcard address ({@code 0.0.0.0}, {@code ::}) every address of this
 *       machine's interfaces and its host name. The port must be the bound port (or absent when that
 *       is the scheme's default).</li>
 *   <li>{@code Origin}, when sent, must be this server's own origin (the scheme and the Host the
 *       request was sent to): a page elsewhere cannot write, nor read with a CORS request.</li>
 *   <li>With a token, every {@code /api} route needs {@code Authorization: Bearer <token>}, reads
 *       included; the dashboard's static files hold no data and are served without it.</li>
 *   <li>Write routes need {@code Content-Type: application/json}: a browser sends that cross-origin
 *       only after a CORS preflight, which this server never grants, whereas a
 *       {@code text/plain} form or fetch goes out without one.</li>
 * </ul>
 */
final class RequestGuard {
    private final String scheme;
    private final int port;
    private final Set<String> hosts;
    private final String token;

    private RequestGuard(String scheme, int port, Set<String> hosts, String token) {
        this.scheme = scheme;
        this.port = port;
        this.hosts = Collections.unmodifiableSet(hosts);
        this.token = token;
    }

    static RequestGuard of(String scheme, String configuredHost, InetSocketAddress bound, String token) {
        Set<String> hosts = new LinkedHashSet<>();
        hosts.add(hostForm(configuredHost));
        InetAddress address = bound.getAddress();
        hosts.add(hostForm(address.getHostAddress()));
        if (address.isLoopbackAddress() || address.isAnyLocalAddress()) {
            hosts.add("localhost");
            hosts.add("127.0.0.1");
            hosts.add("[::1]");
        }
        if (address.isAnyLocalAddress()) {
            try {
                for (NetworkInterface n : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                    for (InetAddress a : Collections.list(n.getInetAddresses())) {
                        hosts.add(hostForm(a.getHostAddress()));
                    }
                }
                InetAddress local = InetAddress.getLocalHost();
                hosts.add(local.getHostName().toLowerCase(Locale.ROOT));
                hosts.add(local.getCanonicalHostName().toLowerCase(Locale.ROOT));
            } catch (java.io.IOException e) {
                // best effort: the configured host and loopback names stay accepted
            }
        }
        return new RequestGuard(scheme, bound.getPort(), hosts, token);
    }

    Set<String> hosts() {
        return hosts;
    }

    /** Host, Origin and (for /api) the token; throws the refusal. */
    void check(HttpExchange x) {
        String host = x.getRequestHeaders().getFirst("Host");
        if (host == null || !hostAccepted(host)) {
            throw new dev.tally.http.ApiError(403, "host_not_allowed", (host == null ? "the request has no Host header"
                    : "Host '" + clip(host) + "' does not name this server") + ": it answers to " + hosts + " on port "
                    + port + ". Use the address the server printed; to reach it under another name, start it with"
                    + " --host set to that name");
        }
        String origin = x.getRequestHeaders().getFirst("Origin");
        if (origin != null && !sameOrigin(origin, host)) {
            throw new dev.tally.http.ApiError(403, "origin_not_allowed", "Origin '" + clip(origin) + "' is not this server's"
                    + " own origin (" + scheme + "://" + host + "): cross-origin requests are refused. Call the API from"
                    + " the dashboard this server serves, or from a client that sends no Origin header (curl, scripts)");
        }
        if (token != null && (x.getRequestURI().getRawPath().startsWith("/api")
                || x.getRequestURI().getRawPath().equals("/metrics"))) {
            String header = x.getRequestHeaders().getFirst("Authorization");
            String expected = "Bearer " + token;
            if (header == null || !MessageDigest.isEqual(header.getBytes(StandardCharsets.UTF_8),
                    expected.getBytes(StandardCharsets.UTF_8))) {
                throw new dev.tally.http.ApiError(401, "unauthorized", "this server needs the header 'Authorization: Bearer"
                        + " <token>' on every /api route (reads included), with the token it was started with"
                        + " (TALLY_TOKEN); the dashboard asks for it");
            }
        }
    }

    /** Write routes: the body must be declared as JSON. */
    static void requireJson(dev.tally.http.HttpRequest x) {
        String type = x.header("Content-Type");
        String media = type == null ? "" : type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        if (!media.equals("application/json")) {
            throw new dev.tally.http.ApiError(403, "json_content_type_required", "write routes need the header"
                    + " 'Content-Type: application/json'" + (type == null ? " (none was sent)" : ", got '"
                    + clip(type) + "'") + ": send the body as JSON with that header, even when it is empty");
        }
    }

    private boolean hostAccepted(String header) {
        String[] hp = splitHostPort(header.trim());
        if (hp == null || !hosts.contains(hp[0])) {
            return false;
        }
        int defaultPort = scheme.equals("https") ? 443 : 80;
        return hp[1] == null ? port == defaultPort : hp[1].equals(Integer.toString(port));
    }

    private boolean sameOrigin(String origin, String host) {
        URI u;
        try {
            u = new URI(origin.trim());
        } catch (java.net.URISyntaxException e) {
            return false;
        }
        if (u.getScheme() == null || u.getHost() == null || u.getRawPath() != null && !u.getRawPath().isEmpty()
                || !u.getScheme().equalsIgnoreCase(scheme)) {
            return false;
        }
        int originPort = u.getPort() == -1 ? (scheme.equals("https") ? 443 : 80) : u.getPort();
        String[] hp = splitHostPort(host.trim());
        return hp != null && hostForm(u.getHost()).equals(hp[0]) && originPort == port;
    }

    /** {@code [name, port or null]} in the form the accepted set holds, or null when malformed. */
    private static String[] splitHostPort(String hostPort) {
        String name;
        String p = null;
        if (hostPort.startsWith("[")) {
            int end = hostPort.indexOf(']');
            if (end < 0) {
                return null;
            }
            name = hostPort.substring(0, end + 1);
            String rest = hostPort.substring(end + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    return null;
                }
                p = rest.substring(1);
            }
        } else {
            int colon = hostPort.indexOf(':');
            name = colon < 0 ? hostPort : hostPort.substring(0, colon);
            p = colon < 0 ? null : hostPort.substring(colon + 1);
        }
        if (p != null && !p.matches("[0-9]{1,5}")) {
            return null;
        }
        return new String[] {hostForm(name), p};
    }

    /** Lower case; an IPv6 literal in brackets without its zone. */
    private static String hostForm(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        int zone = h.indexOf('%');
        if (h.contains(":")) {
            if (zone >= 0) {
                h = h.substring(0, zone);
            }
            try {
                // one spelling for ::1 and 0:0:0:0:0:0:0:1; in brackets, never a DNS lookup
                h = InetAddress.getByName("[" + h + "]").getHostAddress();
            } catch (java.net.UnknownHostException | SecurityException e) {
                // keep as written
            }
            return "[" + h + "]";
        }
        return h;
    }

    private static String clip(String s) {
        return s.length() > 100 ? s.substring(0, 100) + "..." : s;
    }
}
