package dev.tally.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Random requests against one running {@code tally serve} (the packaged jar): methods, paths made
 * of the API's own segments and hostile ones, Host/Origin/Content-Type/Authorization headers, and
 * bodies from valid commands to garbage. Never a 5xx; and whenever the answer is a 4xx, the ledger
 * of every aggregate the requests can reach is unchanged. Each try draws its engine: a server in
 * memory or one on {@code --engine postgres}, each started once for this class (not the shared
 * ones: a fuzzed request may replay or redrive everything).
 */
class HttpFuzzIT {
    private static final List<String> IDS = List.of("fz1", "fz2");
    /** How a request names its own server (Host, Origin): {host} and {port} become the drawn server's. */
    private static final String OWN = "{host}:{port}";
    private static final Map<String, Target> TARGETS = new LinkedHashMap<>();

    /** One fuzzed server, and the ledger heads as of the last answer. */
    static final class Target {
        final TallyProcess tally;
        final URI url;
        final Http http;
        Map<String, Long> ledger;

        Target(TallyProcess tally) throws Exception {
            this.tally = tally;
            this.url = tally.url();
            this.http = new Http(url);
            this.ledger = ledger(http);
        }
    }

    @BeforeContainer
    static void start() throws Exception {
        for (SharedServe.Engine engine : List.of(SharedServe.Engine.IN_MEMORY, SharedServe.Engine.POSTGRES)) {
            TARGETS.put(engine.name(), new Target(engine.serve(Path.of("target", "fuzz-" + engine.name() + "-"
                    + UUID.randomUUID()))));
        }
    }

    @AfterContainer
    static void stop() throws Exception {
        for (Target t : TARGETS.values()) {
            t.tally.stop();
        }
    }

    /** The head version of every aggregate the fuzzer can touch, read with well-formed requests. */
    private static Map<String, Long> ledger(Http http) throws Exception {
        Map<String, Long> heads = new LinkedHashMap<>();
        for (String store : List.of("bank-account", "counter")) {
            for (String id : IDS) {
                var events = http.get("/api/stores/" + store + "/" + id + "/events").json().get("events");
                heads.put(store + "/" + id, events.isEmpty() ? 0 : events.get(events.size() - 1).get("version").asLong());
            }
        }
        return heads;
    }

    record Request(String method, String path, Map<String, String> headers, byte[] body) {
        /** This request with its own-server placeholders naming {@code url}'s host and port. */
        Request on(URI url) {
            Map<String, String> h = new LinkedHashMap<>();
            headers.forEach((k, v) -> h.put(k, v == null ? null
                    : v.replace("{host}", url.getHost()).replace("{port}", String.valueOf(url.getPort()))));
            return new Request(method, path, h, body);
        }

        @Override
        public String toString() {
            return method + " " + path + " " + headers + " " + (body == null ? "(no body)"
                    : new String(body, StandardCharsets.UTF_8));
        }
    }

    @Property(tries = 400)
    void neverA5xxAndA4xxChangesNothing(@ForAll("engines") String engine, @ForAll("requests") Request drawn)
            throws Exception {
        Target t = TARGETS.get(engine);
        Request r = drawn.on(t.url);
        RawHttp.Reply reply = RawHttp.send(t.url, r.method(), r.path(), r.headers(), r.body());
        assertThat(reply.status()).as("%s: %s -> %s", engine, r, reply.body()).isBetween(200, 499);
        Map<String, Long> after = ledger(t.http);
        if (reply.status() >= 400) {
            assertThat(after).as("%s: the ledger after %s -> %d %s", engine, r, reply.status(), reply.body())
                    .isEqualTo(t.ledger);
        }
        t.ledger = after;
    }

    @Provide
    Arbitrary<String> engines() {
        return Arbitraries.of(List.copyOf(TARGETS.keySet()));
    }

    @Provide
    Arbitrary<Request> requests() {
        Arbitrary<String> method = Arbitraries.of("GET", "POST", "POST", "POST", "PUT", "DELETE", "PATCH", "HEAD",
                "OPTIONS");
        Arbitrary<String> segment = Arbitraries.oneOf(
                Arbitraries.of("api", "stores", "bank-account", "counter", "fz1", "fz2", "commands", "Credit", "Debit",
                        "Increment", "accounts", "credit", "debit", "events", "aggregate", "views", "balance", "replay",
                        "dead-letters", "redrive", "pipeline", "verify", "counters", "increment", "static", "app.js"),
                Arbitraries.of("", "..", "%2F", "%00", "%zz", "%C3%A9", "a%20b", "%3Cscript%3E", "x".repeat(70), "+",
                        "fz1%2F..", "~", "%25"),
                Arbitraries.strings().withCharRange('!', '~').excludeChars('/', '?', '#', '%', '\\', '"', '<', '>',
                        '^', '`', '{', '|', '}', '[', ']').ofMinLength(1).ofMaxLength(12));
        Arbitrary<String> path = Combinators.combine(
                Arbitraries.<List<String>>of(List.of("api"), List.of("api", "stores"), List.of("api", "accounts"),
                        List.of("api", "counters"), List.of()),
                segment.list().ofMaxSize(5),
                Arbitraries.of("", "", "", "?limit=2", "?limit=0", "?limit=x", "?cursor=AAAA", "?cursor=2", "?cursor=%zz",
                        "?atVersion=-1", "?atVersion=1", "?repair=true", "?limit=1&cursor=fz1"))
                .as((prefix, rest, query) -> {
                    List<String> all = new ArrayList<>(prefix);
                    all.addAll(rest);
                    return "/" + String.join("/", all) + query;
                });
        String own = OWN;
        Arbitrary<String> host = Arbitraries.of(own, own, own, "localhost:{port}", "evil.example", "",
                "{host}:1", null);
        Arbitrary<String> origin = Arbitraries.of(null, null, "http://" + own, "http://evil.example", "null",
                "https://" + own, "http://" + own + "/x");
        Arbitrary<String> contentType = Arbitraries.of("application/json", "application/json", "application/json",
                "application/json; charset=utf-8", "APPLICATION/JSON", "text/plain", "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=x", "", null);
        Arbitrary<String> authorization = Arbitraries.of(null, null, null, "Bearer x", "Basic Zm9vOmJhcg==");
        Arbitrary<Map<String, String>> headers = Combinators.combine(host, origin, contentType, authorization)
                .as((h, o, c, a) -> {
                    Map<String, String> m = new LinkedHashMap<>();
                    m.put("Host", h);
                    m.put("Origin", o);
                    m.put("Content-Type", c);
                    m.put("Authorization", a);
                    return m;
                });
        Arbitrary<byte[]> body = Arbitraries.oneOf(
                Arbitraries.just((byte[]) null),
                Arbitraries.of("{}", "{\"amount\": 5}", "{\"amount\": 1, \"amount\": 500}", "{\"amount\": -1}",
                        "{\"amount\": 1e2}", "{\"amount\": 99999999999999999999}", "[1]", "null", "\"x\"", "{",
                        "{\"on\": true}", "{\"on\": false, \"on\": true}", "{\"amount\": \"5\"}",
                        "{\"amount\": 5, \"extra\": 1}", "[".repeat(2000), "{\"a\":".repeat(1500), "\u0000",
                        "{\"amount\": 5}\u0000").map(s -> s.getBytes(StandardCharsets.UTF_8)),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(64),
                Arbitraries.strings().ofMaxLength(40).map(s -> s.getBytes(StandardCharsets.UTF_8)));
        return Combinators.combine(method, path, headers, body).as(Request::new)
                .filter(r -> !r.path().contains("/chaos")); // chaos on would only slow the run down
    }
}
