package dev.tally.aws;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.spi.ClaimResolver;
import dev.tally.core.message.Message;
import dev.tally.core.message.MessageHandler;
import dev.tally.core.observe.Observability;
import dev.tally.core.spi.TraceSpan;
import dev.tally.core.projection.Projector;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A projector (or any message handler) as the Lambda target of an EventBridge rule. It reads the
 * raw event JSON itself, so the detail keeps its exact shape. Throwing fails the invocation:
 * EventBridge retries it under the target's retry policy, then sends it to the target's
 * dead-letter queue.
 */
public class EventBridgeTargetHandler implements RequestStreamHandler {
    private final MessageHandler handler;
    private final ClaimResolver claims;

    private final EmbeddedMetrics metrics = EmbeddedMetrics.installOnLambda();

    public EventBridgeTargetHandler(MessageHandler handler, ClaimResolver claims) {
        this.handler = Objects.requireNonNull(handler, "handler");
        this.claims = Objects.requireNonNull(claims, "claims");
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        try {
            JsonNode envelope = JsonCodec.parse(input.readAllBytes());
            Message m = EventBridgeEvents.messageOf(envelope, claims);
            long started = System.nanoTime();
            try (TraceSpan span = Observability.telemetry().span("tally.deliver",
                    Observability.traceparentOf(m.event().metadata()))) {
                handler.handle(m);
            } catch (RuntimeException | IOException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException("handler failed on " + m.id() + ": " + e.getMessage(), e);
            }
            Observability.telemetry().delivered(targetName(handler, context), System.nanoTime() - started);
            output.write("{}".getBytes(StandardCharsets.UTF_8));
        } finally {
            if (metrics != null) {
                metrics.flush(context == null ? null : context.getFunctionName());
            }
        }
    }

    /** The target a delivery is counted for: the projection, else the function. */
    static String targetName(MessageHandler handler, Context context) {
        if (handler instanceof Projector<?, ?> p) {
            return p.name();
        }
        return context == null ? handler.getClass().getSimpleName() : context.getFunctionName();
    }
}
