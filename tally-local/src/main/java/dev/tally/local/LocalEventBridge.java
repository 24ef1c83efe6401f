package dev.tally.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.tally.aws.EventBridgeEvents;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.internal.Chaos;
import dev.tally.core.spi.ClaimResolver;
import dev.tally.core.internal.DeliveryEngine;
import dev.tally.core.message.Message;
import dev.tally.core.message.MessageCodec;
import dev.tally.core.message.PublishFailed;
import dev.tally.core.internal.EngineRoutingBus;
import dev.tally.core.runtime.Target;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.event.ruler.Machine;

/**
 * An EventBridge-compatible endpoint on loopback. The real SDK {@link EventBridgeClient} talks
 * to it (endpoint override, PutEvents over EventBridge's JSON 1.1 protocol); each entry becomes an
 * EventBridge event ({@code version, id, detail-type, source, account, time, region, resources,
 * detail}) and is matched against the rules' event patterns by AWS's own {@code event-ruler}
 * library, then delivered to in-process targets at least once, with each target's retry policy
 * and a dead-letter store. It can be told to duplicate, delay and reorder deliveries
 * ({@link Chaos}), and to fail entries at PutEvents (to exercise publishers' retries).
 */
public final class LocalEventBridge extends EngineRoutingBus {
    private static final Logger LOG = LoggerFactory.getLogger(LocalEventBridge.class);
    public static final String ACCOUNT = "000000000000";

    static {
        LoopbackHttp.enableNoDelay();
    }

    private record Rule(String name, String pattern, Target target) {
    }

    private final String busName;
    private final HttpServer server;
    private final ExecutorService httpThreads;
    private final Machine machine = new Machine();
    private final Map<String, Rule> rules = new ConcurrentHashMap<>();
    private final ClaimResolver claims;
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong unmatched = new AtomicLong();
    private final AtomicLong undeliverable = new AtomicLong();
    private final AtomicInteger failNextEntries = new AtomicInteger();

    private LocalEventBridge(String busName, int port, DeliveryEngine engine, ClaimResolver claims) {
        super(engine);
        this.busName = busName;
        this.claims = claims;
        engine.claims(claims);
        try {
            this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen on 127.0.0.1:" + port + " for the local EventBridge: "
                    + e.getMessage() + " (pass port 0 for any free port)", e);
        }
        this.httpThreads = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "local-eventbridge-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(httpThreads);
        server.createContext("/", new PutEventsEndpoint(this::putEvents));
        server.start();
    }

    /**
     * Starts the endpoint.
     *
     * @param busName       the bus entries must name (or "default")
     * @param port          0 for any free port
     * @param engine        delivers to targets (its chaos and dead letters apply)
     * @param claims        resolves claim checks of oversized messages
     */
    public static LocalEventBridge start(String busName, int port, DeliveryEngine engine, ClaimResolver claims) {
        return new LocalEventBridge(busName, port, engine, claims);
    }

    /** An endpoint with asynchronous delivery on 4 threads, keeping deliveries and dead letters in memory. */
    public static LocalEventBridge start(String busName, Chaos chaos, ClaimResolver claims) {
        return start(busName, 0, DeliveryEngine.async(4, chaos, new dev.tally.core.memory.InMemoryDeadLetterStore(),
                new dev.tally.core.memory.InMemoryDeliveryStore()), claims);
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    public String busName() {
        return busName;
    }

    /** A real SDK client pointed at this endpoint (the long-running HTTP client, dummy credentials). */
    public EventBridgeClient client() {
        return EventBridgeClient.builder()
                .httpClient(LongRunningHttp.client())
                .region(LocalDynamoDb.REGION)
                .endpointOverride(endpoint())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("tallyLocal",
                        "tallyLocalSecret")))
                .build();
    }

    // --- rules -------------------------------------------------------------------------------

    /** Adds a rule with an explicit event pattern (the JSON you would put in the template). */
    public void putRule(String name, JsonNode pattern, Target target) {
        String json = pattern.toString();
        try {
            machine.addRule(name, json);
        } catch (Exception e) {
            throw new IllegalArgumentException("invalid event pattern for rule " + name + ": " + e.getMessage()
                    + " (pattern " + json + ")", e);
        }
        if (rules.putIfAbsent(name, new Rule(name, json, target)) != null) {
            try {
                machine.deleteRule(name, json);
            } catch (Exception ignored) {
                // the rule was just added; removing it again cannot fail in a way that matters
            }
            throw new IllegalArgumentException("a rule named '" + name + "' exists already");
        }
    }

    /** A rule whose pattern is derived from the target's filter. */
    @Override
    public void subscribe(Target target) {
        putRule(target.name(), EventBridgeEvents.pattern(target.filter()), target);
    }

    @Override
    public boolean unsubscribe(String ruleName) {
        Rule r = rules.remove(ruleName);
        if (r == null) {
            return false;
        }
        try {
            machine.deleteRule(r.name(), r.pattern());
        } catch (Exception e) {
            LOG.warn("could not remove rule {} from the matcher: {}", ruleName, e.toString());
        }
        return true;
    }

    /** The names of the rules an event matches (for tests of patterns). */
    public List<String> matchingRules(JsonNode event) {
        try {
            return machine.rulesForJSONEvent(event.toString());
        } catch (Exception e) {
            throw new IllegalArgumentException("cannot match event " + event + ": " + e.getMessage(), e);
        }
    }

    // --- publishing --------------------------------------------------------------------------

    /** Routes messages without HTTP, exactly as PutEvents entries would be; returns once they are stored. */
    @Override
    public void publish(List<? extends Message> messages) {
        List<Map.Entry<Target, Message>> pairs = new ArrayList<>();
        for (Message m : messages) {
            try {
                route(EventBridgeEvents.source(m), EventBridgeEvents.detailType(m),
                        JsonCodec.parse(EventBridgeEvents.detail(m)), List.of(), pairs);
            } catch (ClaimNotResolved unresolved) {
                throw new PublishFailed(unresolved.getMessage(), messages, unresolved);
            }
        }
        engine.submit(pairs);
    }

    /** Matches one event against the rules and adds its deliveries to {@code pairs}; returns its event id. */
    private String route(String source, String detailType, JsonNode detail, List<String> resources,
                         List<Map.Entry<Target, Message>> pairs) {
        received.incrementAndGet();
        String id = UUID.randomUUID().toString();
        ObjectNode envelope = JsonCodec.object();
        envelope.put("version", "0");
        envelope.put("id", id);
        envelope.put("detail-type", detailType);
        envelope.put("source", source);
        envelope.put("account", ACCOUNT);
        envelope.put("time", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        envelope.put("region", LocalDynamoDb.REGION.id());
        ArrayNode res = envelope.putArray("resources");
        resources.forEach(res::add);
        envelope.set("detail", detail);
        List<String> matched = matchingRules(envelope);
        if (matched.isEmpty()) {
            unmatched.incrementAndGet();
            return id;
        }
        Message message;
        try {
            message = EventBridgeEvents.messageOf(envelope, claims);
        } catch (RuntimeException e) {
            if (MessageCodec.isClaimCheck(detail)) {
                // the message exists in the ledger but could not be read back now: refuse the entry,
                // so the publisher sends it again (EventBridge would deliver the claim check and the
                // target would resolve it under its retry policy)
                throw new ClaimNotResolved("claim check " + detail.get("claimCheck") + " could not be resolved: "
                        + e.getMessage(), e);
            }
            undeliverable.addAndGet(matched.size());
            LOG.error("event {} matched {} but its detail is not a Tally message ({}); not delivered: {}", id,
                    matched, e.getMessage(), envelope);
            return id;
        }
        for (String name : matched) {
            Rule r = rules.get(name);
            if (r != null) {
                pairs.add(new AbstractMap.SimpleImmutableEntry<>(r.target(), message));
            }
        }
        return id;
    }

    /** A claim check that could not be read back: the entry fails and is sent again. */
    private static final class ClaimNotResolved extends RuntimeException {
        ClaimNotResolved(String message, Throwable cause) {
            super(message, cause);
        }
    }

    // --- the HTTP endpoint -------------------------------------------------------------------

    /** The entries of one PutEvents request (1 to 10, size checked): their results, once the accepted are stored. */
    private ObjectNode putEvents(JsonNode entries) {
        ObjectNode response = JsonCodec.object();
        ArrayNode results = response.putArray("Entries");
        int failed = 0;
        List<Map.Entry<Target, Message>> pairs = new ArrayList<>();
        List<ObjectNode> accepted = new ArrayList<>();
        for (JsonNode e : entries) {
            ObjectNode result = results.addObject();
            String problem = entryProblem(e);
            if (problem == null && failNextEntries.get() > 0 && failNextEntries.getAndDecrement() > 0) {
                problem = "InternalFailure:injected failure (LocalEventBridge.failNextEntries)";
            }
            if (problem != null) {
                failed++;
                int colon = problem.indexOf(':');
                result.put("ErrorCode", problem.substring(0, colon));
                result.put("ErrorMessage", problem.substring(colon + 1));
                continue;
            }
            List<String> resources = new ArrayList<>();
            e.path("Resources").forEach(r -> resources.add(r.asText()));
            try {
                result.put("EventId", route(e.get("Source").asText(), e.get("DetailType").asText(),
                        JsonCodec.parse(e.get("Detail").asText()), resources, pairs));
                accepted.add(result);
            } catch (ClaimNotResolved unresolved) {
                failed++;
                result.removeAll().put("ErrorCode", "InternalFailure").put("ErrorMessage",
                        unresolved.getMessage());
            }
        }
        try {
            // EventBridge's promise: a success means the entry is stored; so store before answering
            engine.submit(pairs);
        } catch (PublishFailed notStored) {
            for (ObjectNode result : accepted) {
                failed++;
                result.removeAll().put("ErrorCode", "InternalFailure").put("ErrorMessage",
                        "the entry could not be stored: " + notStored.getMessage());
            }
        }
        response.put("FailedEntryCount", failed);
        return response;
    }

    private String entryProblem(JsonNode e) {
        for (String field : new String[] {"Source", "DetailType", "Detail"}) {
            if (!e.hasNonNull(field) || e.get(field).asText().isEmpty()) {
                return "InvalidArgument:Parameter " + field + " is not valid. Reason: " + field + " is a required"
                        + " argument.";
            }
        }
        String bus = e.path("EventBusName").asText("default");
        if (!bus.isEmpty() && !bus.equals(busName) && !bus.equals("default") && !bus.endsWith(":event-bus/" + busName)) {
            return "NotFoundException:Event bus " + bus + " does not exist (this local endpoint serves '" + busName
                    + "')";
        }
        try {
            if (!JsonCodec.parse(e.get("Detail").asText()).isObject()) {
                return "MalformedDetail:Detail is malformed: it must be a JSON object.";
            }
        } catch (RuntimeException bad) {
            return "MalformedDetail:Detail is malformed.";
        }
        return null;
    }

    // --- operations ----------------------------------------------------------------------------

    /** The next {@code n} valid entries fail with InternalFailure (publishers must retry them). */
    public void failNextEntries(int n) {
        failNextEntries.set(n);
    }

    @Override
    protected Target target(String name) {
        Rule r = rules.get(name);
        return r == null ? null : r.target();
    }

    /** Events received (PutEvents entries accepted plus direct publishes). */
    public long receivedCount() {
        return received.get();
    }

    public long unmatchedCount() {
        return unmatched.get();
    }

    public long undeliverableCount() {
        return undeliverable.get();
    }

    /** Stops the endpoint, then drains deliveries for up to {@code drain}; the rest stays stored. */
    @Override
    public boolean shutdown(java.time.Duration drain) {
        server.stop(0);
        httpThreads.shutdownNow();
        return super.shutdown(drain);
    }

    /** Stops at once as a crash would: no drain, no flush (for crash tests). */
    public void halt() {
        server.stop(0);
        httpThreads.shutdownNow();
        engine.halt();
    }

    @Override
    public void close() {
        shutdown(java.time.Duration.ofSeconds(5));
    }

    /** A message as the EventBridge event a rule target receives (for Lambda-handler targets). */
    public static ObjectNode envelopeOf(Message m) {
        ObjectNode envelope = JsonCodec.object();
        envelope.put("version", "0");
        envelope.put("id", UUID.randomUUID().toString());
        envelope.put("detail-type", EventBridgeEvents.detailType(m));
        envelope.put("source", EventBridgeEvents.source(m));
        envelope.put("account", ACCOUNT);
        envelope.put("time", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        envelope.put("region", LocalDynamoDb.REGION.id());
        envelope.putArray("resources");
        envelope.set("detail", MessageCodec.toJson(m));
        return envelope;
    }
}
