package dev.tally.local;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import dev.tally.aws.StreamRecords;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.services.dynamodb.model.Record;

/**
 * Invokes a stream function the way Lambda does: the records as a {@link DynamodbEvent}, and the
 * answer read as a partial batch response (the lowest reported record is where a retry starts).
 */
final class StreamFunctionInvoker {
    private final RequestHandler<DynamodbEvent, StreamsEventResponse> function;
    private final String functionName;
    private final String streamArn;
    private final AtomicLong invocations = new AtomicLong();
    private final AtomicLong failedInvocations = new AtomicLong();
    private volatile String lastError;

    StreamFunctionInvoker(RequestHandler<DynamodbEvent, StreamsEventResponse> function, String functionName,
                          String streamArn) {
        this.function = Objects.requireNonNull(function, "function");
        this.functionName = Objects.requireNonNull(functionName, "functionName");
        this.streamArn = streamArn;
    }

    /**
     * Calls the function on a batch; returns how many records, from the start, are done.
     *
     * @throws Exception the function's own error (nothing of the batch is done)
     */
    int invoke(List<Record> records) throws Exception {
        invocations.incrementAndGet();
        DynamodbEvent event = new DynamodbEvent();
        List<DynamodbEvent.DynamodbStreamRecord> converted = new ArrayList<>(records.size());
        for (Record r : records) {
            converted.add(StreamRecords.toLambda(r, streamArn));
        }
        event.setRecords(converted);
        StreamsEventResponse response;
        try {
            response = function.handleRequest(event, new LocalLambdaContext(functionName));
        } catch (RuntimeException | Error e) {
            // an Error too (as Lambda reports it): the failure policy retries, bisects, dead-letters
            failedInvocations.incrementAndGet();
            lastError = "function error: " + e;
            throw e;
        }
        if (response == null || response.getBatchItemFailures() == null
                || response.getBatchItemFailures().isEmpty()) {
            return records.size();
        }
        failedInvocations.incrementAndGet();
        int lowest = Integer.MAX_VALUE;
        for (StreamsEventResponse.BatchItemFailure f : response.getBatchItemFailures()) {
            int index = indexOf(records, f.getItemIdentifier());
            if (index < 0) {
                lastError = "batch item failure with an unknown identifier '" + f.getItemIdentifier()
                        + "': the whole batch is retried";
                return 0;
            }
            lowest = Math.min(lowest, index);
        }
        lastError = "batch item failure reported at sequence number "
                + records.get(lowest).dynamodb().sequenceNumber();
        return lowest;
    }

    /** Calls the function with one record built from a ledger event (a redrive); true when it succeeded. */
    boolean invokeOne(DynamodbEvent.DynamodbStreamRecord record) {
        DynamodbEvent event = new DynamodbEvent();
        event.setRecords(List.of(record));
        StreamsEventResponse r = function.handleRequest(event, new LocalLambdaContext(functionName));
        return r == null || r.getBatchItemFailures() == null || r.getBatchItemFailures().isEmpty();
    }

    private static int indexOf(List<Record> records, String sequenceNumber) {
        for (int i = 0; i < records.size(); i++) {
            if (records.get(i).dynamodb().sequenceNumber().equals(sequenceNumber)) {
                return i;
            }
        }
        return -1;
    }

    long invocations() {
        return invocations.get();
    }

    long failedInvocations() {
        return failedInvocations.get();
    }

    String lastError() {
        return lastError;
    }
}
