package dev.tally.aws;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.spi.ClaimResolver;
import dev.tally.core.message.Message;
import dev.tally.core.message.MessageCodec;
import dev.tally.core.message.MessageHandler;
import dev.tally.core.observe.Observability;
import dev.tally.core.spi.TraceSpan;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A projector behind an SQS queue (EventBridge rule -> SQS -> Lambda). Each record's body is a
 * Tally message, or the EventBridge event wrapping one. A record that fails is reported in the
 * batch item failures, so only it returns to the queue (and, after the queue's maxReceiveCount,
 * to its dead-letter queue); the others are deleted. Configure the event source mapping with
 * {@code FunctionResponseTypes: [ReportBatchItemFailures]}.
 */
public class SqsTargetHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {
    private static final Logger LOG = LoggerFactory.getLogger(SqsTargetHandler.class);

    private final MessageHandler handler;
    private final ClaimResolver claims;

    private final EmbeddedMetrics metrics = EmbeddedMetrics.installOnLambda();

    public SqsTargetHandler(MessageHandler handler, ClaimResolver claims) {
        this.handler = Objects.requireNonNull(handler, "handler");
        this.claims = Objects.requireNonNull(claims, "claims");
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
        for (SQSEvent.SQSMessage record : event.getRecords() == null ? List.<SQSEvent.SQSMessage>of()
                : event.getRecords()) {
            long started = System.nanoTime();
            try {
                Message m = decode(record.getBody());
                try (TraceSpan span = Observability.telemetry().span("tally.deliver",
                        Observability.traceparentOf(m.event().metadata()))) {
                    handler.handle(m);
                }
                Observability.telemetry().delivered(EventBridgeTargetHandler.targetName(handler, context),
                        System.nanoTime() - started);
            } catch (Exception e) {
                LOG.warn("message {} failed: {}", record.getMessageId(), e.toString());
                failures.add(new SQSBatchResponse.BatchItemFailure(record.getMessageId()));
            }
        }
        if (metrics != null) {
            metrics.flush(context == null ? null : context.getFunctionName());
        }
        return new SQSBatchResponse(failures);
    }

    private Message decode(String body) {
        JsonNode n = JsonCodec.parse(body);
        return EventBridgeEvents.isEnvelope(n) ? EventBridgeEvents.messageOf(n, claims)
                : MessageCodec.fromJson(n, claims);
    }
}
