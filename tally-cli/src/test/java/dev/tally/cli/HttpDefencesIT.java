package dev.tally.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.json.JsonCodec;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The browser-facing defences and strict input of {@code tally serve}, over real HTTP against the
 * packaged jar: a cross-site text/plain POST, a foreign Origin, a rebound Host, duplicate JSON keys,
 * malformed path names; and paged event streams and listings. On the shared server of each engine
 * (in memory, and {@code --engine postgres}): the defences are the server's, the pages the engine's.
 */
@ParameterizedClass
@MethodSource("engines")
class HttpDefencesIT {
    @Parameter
    SharedServe.Engine engine;
    Http http;
    URI url;

    static List<SharedServe.Engine> engines() {
        return List.of(SharedServe.Engine.IN_MEMORY, SharedServe.Engine.POSTGRES);
    }

    @BeforeEach
    void start() throws Exception {
        url = SharedServe.of(engine).url();
        http = new Http(url);
    }

    private RawHttp.Reply post(String path, Map<String, String> headers, String body) throws Exception {
        return RawHttp.send(url, "POST", path, headers, body.getBytes(StandardCharsets.UTF_8));
    }

    private static JsonNode json(RawHttp.Reply r) {
        return JsonCodec.parse(r.body());
    }

    private int events(String id) throws Exception {
        return http.get("/api/stores/bank-account/" + id + "/events").json().get("events").size();
    }

    @Test
    void aCrossSiteTextPlainPostIsRefusedWith403AndAppendsNothing() throws Exception {
        // what any web page can send without a preflight: a "simple" cross-origin POST
        Map<String, String> crossSite = RawHttp.own(url);
        crossSite.put("Origin", "http://evil.example");
        crossSite.put("Content-Type", "text/plain");
        RawHttp.Reply r = post("/api/accounts/victim/credit", crossSite, "{\"amount\": 500}");
        assertThat(r.status()).isEqualTo(403);
        assertThat(json(r).get("error").asText()).isEqualTo("origin_not_allowed");
        assertThat(json(r).get("message").asText()).contains("evil.example").contains("cross-origin");

        // the same without an Origin (a form from a privacy-minded browser, a stripped header): still text/plain
        Map<String, String> plain = RawHttp.own(url);
        plain.put("Content-Type", "text/plain;charset=UTF-8");
        RawHttp.Reply noType = post("/api/accounts/victim/credit", plain, "{\"amount\": 500}");
        assertThat(noType.status()).isEqualTo(403);
        assertThat(json(noType).get("error").asText()).isEqualTo("json_content_type_required");
        assertThat(json(noType).get("message").asText()).contains("Content-Type: application/json");
        Map<String, String> none = RawHttp.own(url);
        assertThat(post("/api/stores/bank-account/victim/commands/Credit", none, "{\"amount\": 5}").status())
                .isEqualTo(403);
        assertThat(events("victim")).as("nothing was appended").isZero();

        // the dashboard's own request: same origin, JSON
        Map<String, String> dashboard = RawHttp.own(url);
        dashboard.put("Origin", "http://" + url.getHost() + ":" + url.getPort());
        dashboard.put("Content-Type", "application/json");
        assertThat(post("/api/accounts/victim/credit", dashboard, "{\"amount\": 500}").status()).isEqualTo(200);
        // a foreign Origin is refused on reads too (no CORS read of the ledger)
        Map<String, String> foreignRead = RawHttp.own(url);
        foreignRead.put("Origin", "http://" + url.getHost() + ":" + (url.getPort() + 1));
        assertThat(RawHttp.send(url, "GET", "/api/accounts/victim/events", foreignRead, null).status()).isEqualTo(403);
        assertThat(events("victim")).isEqualTo(1);
    }

    @Test
    void aHostThatDoesNotNameThisServerIs403() throws Exception {
        List<String> refused = List.of("evil.example", "evil.example:" + url.getPort(), "127.0.0.1:1",
                "127.0.0.2:" + url.getPort(), "localhost.evil.example:" + url.getPort(), "");
        for (String host : refused) {
            Map<String, String> h = Map.of("Host", host);
            RawHttp.Reply r = RawHttp.send(url, "GET", "/api/stores", h, null);
            assertThat(r.status()).as(host).isEqualTo(403);
            assertThat(json(r).get("error").asText()).isEqualTo("host_not_allowed");
            assertThat(json(r).get("message").asText()).contains("does not name this server").contains("--host");
        }
        Map<String, String> noHost = new java.util.HashMap<>();
        assertThat(RawHttp.send(url, "GET", "/api/stores", noHost, null).status()).isEqualTo(403);
        Map<String, String> rebound = Map.of("Host", "evil.example:" + url.getPort(), "Content-Type", "application/json");
        assertThat(post("/api/accounts/rebound/credit", rebound, "{\"amount\": 5}").status()).isEqualTo(403);
        assertThat(events("rebound")).isZero();
        for (String host : List.of("127.0.0.1:" + url.getPort(), "localhost:" + url.getPort(),
                "LOCALHOST:" + url.getPort())) {
            assertThat(RawHttp.send(url, "GET", "/api/stores", Map.of("Host", host), null).status()).as(host)
                    .isEqualTo(200);
        }
    }

    @Test
    void duplicateJsonKeysAreA400AndAppendNothing() throws Exception {
        for (String path : List.of("/api/accounts/twice/credit", "/api/stores/bank-account/twice/commands/Credit")) {
            Http.Answer a = http.post(path, "{\"amount\": 1, \"amount\": 500}");
            assertThat(a.status()).as(path).isEqualTo(400);
            assertThat(a.json().get("error").asText()).isEqualTo("duplicate_key");
            assertThat(a.message()).contains("amount").contains("once");
        }
        Http.Answer nested = http.post("/api/chaos", "{\"on\": false, \"x\": {\"a\": 1, \"a\": 2}}");
        assertThat(nested.status()).isEqualTo(400);
        assertThat(events("twice")).isZero();
    }

    @Test
    void everyPathParameterIsValidated() throws Exception {
        List<String> bad = List.of("/api/views/%3Cscript%3E/x", "/api/views/balance/%3Cscript%3E",
                "/api/stores/bank%20account/x/events", "/api/stores/bank-account/x/aggregate?atVersion=-1",
                "/api/stores/bank-account/" + "y".repeat(65) + "/events",
                "/api/dead-letters?cursor=%00", "/api/dead-letters?limit=0", "/api/accounts?cursor=%E0%A4",
                "/api/stores/bank-account/x/events?cursor=abc", "/api/accounts/x/events?limit=1001",
                "/api/accounts?cursor=AAAA");
        for (String path : bad) {
            Http.Answer a = http.get(path);
            assertThat(a.status()).as(path).isEqualTo(400);
            assertThat(a.json().get("error").asText()).as(path).startsWith("invalid_");
        }
        assertThat(http.post("/api/dead-letters/..%2F..%2Fx/redrive", "{}").status()).isEqualTo(400);
        // a malformed escape is refused by the JDK's own parser before a route sees it
        assertThat(RawHttp.send(url, "GET", "/api/accounts?cursor=%zz", RawHttp.own(url), null).status())
                .isEqualTo(400);
        assertThat(http.post("/api/stores/bank-account/x/commands/%3Cb%3E", "{}").status()).isEqualTo(400);
    }

    @Test
    void eventStreamsAndListingsArePaged() throws Exception {
        for (int i = 1; i <= 5; i++) {
            assertThat(http.post("/api/accounts/pages/credit", "{\"amount\": " + i + "}").status()).isEqualTo(200);
        }
        assertThat(http.post("/api/accounts/pages-2/credit", "{\"amount\": 1}").status()).isEqualTo(200);
        for (String route : List.of("/api/stores/bank-account/pages/events", "/api/accounts/pages/events")) {
            List<Long> versions = new ArrayList<>();
            String cursor = null;
            int pages = 0;
            do {
                JsonNode page = http.get(route + "?limit=2" + (cursor == null ? "" : "&cursor=" + cursor)).json();
                assertThat(page.get("events").size()).isLessThanOrEqualTo(2);
                page.get("events").forEach(e -> versions.add(e.get("version").asLong()));
                cursor = page.get("nextCursor").isNull() ? null : page.get("nextCursor").asText();
                pages++;
            } while (cursor != null && pages < 10);
            assertThat(versions).as(route).containsExactly(1L, 2L, 3L, 4L, 5L);
            assertThat(pages).isEqualTo(3);
            JsonNode all = http.get(route).json();
            assertThat(all.get("events")).hasSize(5);
            assertThat(all.get("nextCursor").isNull()).isTrue();
        }
        dev.tally.testing.Eventually.eventually(() -> {
            try {
                JsonNode first = http.get("/api/accounts?limit=1").json();
                assertThat(first.get("accounts")).hasSize(1);
                assertThat(first.get("nextCursor").isNull()).isFalse();
                JsonNode second = http.get("/api/accounts?limit=1&cursor=" + first.get("nextCursor").asText()).json();
                assertThat(second.get("accounts")).hasSize(1);
                assertThat(second.get("accounts").get(0).get("aggregateId").asText())
                        .isNotEqualTo(first.get("accounts").get(0).get("aggregateId").asText());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void headRequestsAndUnknownMethodsAreAnsweredWithoutA5xx() throws Exception {
        assertThat(RawHttp.send(url, "HEAD", "/api/stores", RawHttp.own(url), null).status()).isEqualTo(405);
        assertThat(RawHttp.send(url, "DELETE", "/api/stores", RawHttp.own(url), null).status()).isEqualTo(405);
        assertThat(RawHttp.send(url, "GET", "/", RawHttp.own(url), null).status()).isEqualTo(200);
    }
}
