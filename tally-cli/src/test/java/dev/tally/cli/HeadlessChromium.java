package dev.tally.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.json.JsonCodec;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Debian's chromium, headless, driven over the Chrome DevTools Protocol with the JDK's own
 * WebSocket client (no driver, no extra dependency). Just enough to load a page, run script in
 * it, and take a screenshot.
 */
final class HeadlessChromium implements AutoCloseable {
    private static final Pattern DEVTOOLS = Pattern.compile("DevTools listening on (ws://\\S+)");

    private final Process process;
    private final Path profile;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();

    private HeadlessChromium(String executable) throws Exception {
        profile = Files.createTempDirectory("tally-chromium");
        process = new ProcessBuilder(executable, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1400,1000", "--user-data-dir=" + profile, "--remote-debugging-port=0", "about:blank")
                .redirectErrorStream(true).start();
        // one thread reads chromium's output from the start: it finds the DevTools line, then keeps the pipe
        // empty. Waiting on the future, not on a read, lets the 60 s deadline hold if chromium prints nothing
        CompletableFuture<String> devTools = new CompletableFuture<>();
        BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        Thread drain = new Thread(() -> {
            try {
                String line;
                while ((line = r.readLine()) != null) {
                    Matcher m = DEVTOOLS.matcher(line);
                    if (m.find()) {
                        devTools.complete(m.group(1));
                    }
                }
            } catch (Exception ignored) {
                // chromium ended
            }
            devTools.completeExceptionally(new IllegalStateException("chromium ended its output"));
        }, "chromium-output");
        drain.setDaemon(true);
        drain.start();
        String browserSocket;
        try {
            browserSocket = devTools.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            process.destroyForcibly();
            throw new IllegalStateException("chromium did not open its DevTools port within 60 s: " + e, e);
        }
        URI ws = URI.create(browserSocket);
        HttpClient http = HttpClient.newHttpClient();
        JsonNode targets = JsonCodec.parse(http.send(HttpRequest.newBuilder(URI.create("http://" + ws.getHost() + ":"
                + ws.getPort() + "/json/list")).build(), HttpResponse.BodyHandlers.ofString()).body());
        String pageSocket = null;
        for (JsonNode t : targets) {
            if ("page".equals(t.path("type").asText())) {
                pageSocket = t.get("webSocketDebuggerUrl").asText();
                break;
            }
        }
        if (pageSocket == null) {
            throw new IllegalStateException("chromium has no page target: " + targets);
        }
        socket = http.newWebSocketBuilder().buildAsync(URI.create(pageSocket), new WebSocket.Listener() {
            private final StringBuilder text = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                text.append(data);
                if (last) {
                    JsonNode message = JsonCodec.parse(text.toString());
                    text.setLength(0);
                    CompletableFuture<JsonNode> f = message.has("id") ? pending.remove(message.get("id").asInt()) : null;
                    if (f != null) {
                        f.complete(message);
                    }
                }
                webSocket.request(1);
                return null;
            }
        }).get(30, TimeUnit.SECONDS);
    }

    /** The chromium on this machine; the failure says how to get one. */
    static HeadlessChromium start() throws Exception {
        for (String candidate : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return new HeadlessChromium(candidate);
            }
        }
        throw new IllegalStateException("no chromium found: install Debian's package (apt-get install -y chromium),"
                + " or skip this browser test explicitly with -Dtally.skipBrowser=true");
    }

    JsonNode call(String method, ObjectNode params) throws Exception {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> f = new CompletableFuture<>();
        pending.put(id, f);
        ObjectNode message = JsonCodec.object().put("id", id).put("method", method);
        message.set("params", params == null ? JsonCodec.object() : params);
        socket.sendText(message.toString(), true).get(10, TimeUnit.SECONDS);
        JsonNode answer = f.get(60, TimeUnit.SECONDS);
        if (answer.has("error")) {
            throw new IllegalStateException(method + " failed: " + answer.get("error"));
        }
        return answer.path("result");
    }

    void navigate(URI url) throws Exception {
        call("Page.enable", null);
        call("Page.navigate", JsonCodec.object().put("url", url.toString()));
        waitFor("document.readyState === 'complete'", Duration.ofSeconds(30));
    }

    /** Runs script in the page; returns its value (promises awaited). */
    JsonNode eval(String expression) throws Exception {
        JsonNode r = call("Runtime.evaluate", JsonCodec.object().put("expression", expression)
                .put("returnByValue", true).put("awaitPromise", true));
        if (r.has("exceptionDetails")) {
            throw new IllegalStateException("script failed: " + r.get("exceptionDetails"));
        }
        return r.path("result").path("value");
    }

    /** Waits until a boolean expression holds in the page. */
    void waitFor(String condition, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (eval("Boolean(" + condition + ")").asBoolean()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the page never satisfied: " + condition + "\npage text: "
                + eval("document.body.innerText").asText());
    }

    void screenshot(Path file) throws Exception {
        JsonNode r = call("Page.captureScreenshot", JsonCodec.object().put("format", "png"));
        Files.createDirectories(file.getParent());
        Files.write(file, Base64.getDecoder().decode(r.get("data").asText()));
    }

    @Override
    public void close() throws Exception {
        try {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "done");
        } catch (Exception ignored) {
            // closing anyway
        }
        // Chromium's helpers (renderer, network service) are its children and may outlive it briefly
        java.util.List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        for (ProcessHandle child : children) {
            child.destroy();
            try {
                child.onExit().get(5, TimeUnit.SECONDS);
            } catch (Exception stillThere) {
                child.destroyForcibly();
            }
        }
        // a profile file that vanishes while we walk (a late write of a helper) is no failure of the test
        for (int attempt = 0; attempt < 3 && Files.exists(profile); attempt++) {
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (java.io.IOException | java.io.UncheckedIOException raced) {
                Thread.sleep(200);
            }
        }
    }
}
