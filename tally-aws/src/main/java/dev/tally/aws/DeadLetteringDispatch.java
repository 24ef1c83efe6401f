package dev.tally.aws;

import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import dev.tally.core.RecordedEvent;
import dev.tally.core.RetryPolicy;
import dev.tally.core.message.PublishFailed;
import dev.tally.core.runtime.Dispatcher;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One stream batch through the dispatcher with a dead-letter queue: an event that cannot be turned
 * into a message is retried, then written to the queue with its full record, and the batch goes on
 * after it. What is not durable (the letter was not accepted, or the bus refused a publish) ends
 * the invocation with a batch item failure at that record, so Lambda retries it: nothing is
 * reported as done before it is published or dead-lettered.
 */
final class DeadLetteringDispatch {
    private static final Logger LOG = LoggerFactory.getLogger(DeadLetteringDispatch.class);

    private DeadLetteringDispatch() {
    }

    static StreamsEventResponse run(Dispatcher dispatcher, SqsDeadLetterSink deadLetters, RetryPolicy retry,
                                    List<RecordedEvent> events, Map<RecordedEvent, String> sequence,
                                    AtomicLong failures, AtomicLong deadLettered) {
        List<RecordedEvent> remaining = events;
        int attempts = 0;
        RecordedEvent failing = null;
        while (!remaining.isEmpty()) {
            Dispatcher.Result result = dispatcher.dispatch(remaining);
            if (result.ok()) {
                return new StreamsEventResponse(List.of());
            }
            Dispatcher.Failure failure = result.failure().get();
            RecordedEvent failed = failure.event();
            int at = remaining.indexOf(failed);
            if (failure.error() instanceof PublishFailed) {
                failures.incrementAndGet();
                LOG.warn("publishing failed at {}: {}; Lambda retries from it", failed.coordinates(),
                        failure.error().toString());
                return failAt(sequence.get(failed));
            }
            attempts = failed == failing ? attempts + 1 : 1;
            failing = failed;
            remaining = remaining.subList(at, remaining.size());
            if (attempts < retry.maxAttempts()) {
                pause(retry.backoff(attempts, ThreadLocalRandom.current()));
                continue;
            }
            String error = String.valueOf(failure.error());
            try {
                deadLetters.add(failed, error, attempts);
            } catch (RuntimeException notStored) {
                failures.incrementAndGet();
                LOG.error("cannot dispatch {} ({}) and the dead-letter queue did not take it ({}); Lambda retries it",
                        failed.coordinates(), error, notStored.toString());
                return failAt(sequence.get(failed));
            }
            deadLettered.incrementAndGet();
            LOG.warn("dead-lettered {} after {} attempt(s): {}", failed.coordinates(), attempts, error);
            remaining = remaining.subList(1, remaining.size());
            attempts = 0;
            failing = null;
        }
        return new StreamsEventResponse(List.of());
    }

    private static StreamsEventResponse failAt(String sequenceNumber) {
        return new StreamsEventResponse(List.of(new StreamsEventResponse.BatchItemFailure(sequenceNumber)));
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(Math.max(1, d.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted between dispatch attempts", e);
        }
    }
}
