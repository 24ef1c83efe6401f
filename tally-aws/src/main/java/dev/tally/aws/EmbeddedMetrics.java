package dev.tally.aws;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.observe.Observability;
import dev.tally.core.spi.Telemetry;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pipeline's metrics from a Lambda function in CloudWatch Embedded Metric Format: each
 * invocation's values are gathered in memory and written as JSON lines to standard output at its
 * end, where the Lambda runtime hands them to CloudWatch Logs and CloudWatch turns them into
 * metrics, with no API call and no agent. Namespace {@value #NAMESPACE}; the dimension is the
 * function, and the store, the target or the projection the value is about.
 *
 * <p>The handlers in this module install it themselves when they run on Lambda
 * ({@code AWS_LAMBDA_FUNCTION_NAME} is set) and nothing else is installed; elsewhere install it
 * yourself, or nothing is written. Lean by design: no dependency beyond Jackson, one synchronized
 * map per invocation.
 */
public final class EmbeddedMetrics implements Telemetry {
    public static final String NAMESPACE = "Tally";

    private final PrintStream out;
    private final Clock clock;
    /** dimension name -> dimension value -> metric name -> values (within one invocation). */
    private final Map<String, Map<String, Map<String, List<Double>>>> pending = new LinkedHashMap<>();
    private final Map<String, String> units = new LinkedHashMap<>();

    public EmbeddedMetrics(PrintStream out, Clock clock) {
        this.out = out;
        this.clock = clock;
    }

    /**
     * Installs one for the JVM when this runs on Lambda and no other telemetry is installed;
     * returns the one in place if it is of this kind (else null: the handlers then flush nothing).
     */
    public static synchronized EmbeddedMetrics installOnLambda() {
        if (Observability.telemetry() instanceof EmbeddedMetrics m) {
            return m;
        }
        if (Observability.telemetry() == Telemetry.NONE && System.getenv("AWS_LAMBDA_FUNCTION_NAME") != null) {
            EmbeddedMetrics m = new EmbeddedMetrics(System.out, Clock.systemUTC());
            Observability.install(m);
            return m;
        }
        return null;
    }

    /** Writes what the invocation recorded, one JSON line per dimension value, for function {@code function}. */
    public void flush(String function) {
        List<String> lines = new ArrayList<>();
        synchronized (this) {
            long now = clock.millis();
            pending.forEach((dimension, byValue) -> byValue.forEach((value, metrics) ->
                    lines.add(document(now, function, dimension, value, metrics).toString())));
            pending.clear();
        }
        for (String line : lines) {
            out.println(line);
        }
        out.flush();
    }

    private ObjectNode document(long now, String function, String dimension, String value,
                                Map<String, List<Double>> metrics) {
        ObjectNode doc = JsonCodec.object();
        ObjectNode aws = doc.putObject("_aws");
        aws.put("Timestamp", now);
        ObjectNode directive = aws.putArray("CloudWatchMetrics").addObject();
        directive.put("Namespace", NAMESPACE);
        ArrayNode dims = directive.putArray("Dimensions").addArray();
        dims.add("Function");
        if (dimension != null) {
            dims.add(dimension);
        }
        ArrayNode defs = directive.putArray("Metrics");
        doc.put("Function", function == null ? "unknown" : function);
        if (dimension != null) {
            doc.put(dimension, value);
        }
        metrics.forEach((name, values) -> {
            defs.addObject().put("Name", name).put("Unit", units.get(name));
            if (values.size() == 1) {
                doc.put(name, values.get(0));
            } else {
                ArrayNode a = doc.putArray(name);
                // EMF takes at most 100 values per metric and document
                values.subList(0, Math.min(100, values.size())).forEach(a::add);
            }
        });
        return doc;
    }

    private synchronized void put(String dimension, String value, String metric, String unit, double v) {
        units.putIfAbsent(metric, unit);
        pending.computeIfAbsent(dimension, d -> new LinkedHashMap<>())
                .computeIfAbsent(value, d -> new LinkedHashMap<>())
                .computeIfAbsent(metric, d -> new ArrayList<>()).add(v);
    }

    private static double millis(long nanos) {
        return nanos / 1_000_000.0;
    }

    @Override
    public void appended(String store, int events, long nanos) {
        put("Store", store, "AppendLatency", "Milliseconds", millis(nanos));
    }

    @Override
    public void conflict(String store) {
        put("Store", store, "AppendConflicts", "Count", 1);
    }

    @Override
    public void commandRetry(String store) {
        put("Store", store, "CommandRetries", "Count", 1);
    }

    @Override
    public void rejected(String store) {
        put("Store", store, "CommandRejections", "Count", 1);
    }

    @Override
    public void dispatched(int size, long nanos) {
        put(null, "", "DispatchBatchSize", "Count", size);
        put(null, "", "DispatchLatency", "Milliseconds", millis(nanos));
    }

    @Override
    public void iteratorAge(long millis) {
        put(null, "", "StreamIteratorAge", "Milliseconds", Math.max(0, millis));
    }

    @Override
    public void delivered(String target, long nanos) {
        put("Target", target, "Deliveries", "Count", 1);
        put("Target", target, "DeliveryLatency", "Milliseconds", millis(nanos));
    }

    @Override
    public void deliveryRetry(String target) {
        put("Target", target, "DeliveryRetries", "Count", 1);
    }

    @Override
    public void deadLettered(String target) {
        put("Target", target, "DeadLetters", "Count", 1);
    }

    @Override
    public void viewWritten(String projection, Instant eventTime) {
        put("Projection", projection, "ProjectionLag", "Milliseconds",
                Math.max(0, clock.millis() - eventTime.toEpochMilli()));
    }
}
