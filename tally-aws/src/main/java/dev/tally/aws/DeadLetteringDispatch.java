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
 * after it. A bus that keeps refusing a publish (after its own retries and these attempts) sends
 * that event and the rest of the batch to the queue, each with its full record. What is not durable
 * (the queue did not accept a letter) ends the invocation with a batch item failure at that record,
 * so Lambda retries it: nothing is reported as done before it is published or dead-lettered.
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
            attempts = failed == failing ? attempts + 1 : 1;
            failing = failed;
            remaining = remaining.subList(at, remaining.size());
            if (attempts < retry.maxAttempts()) {
                pause(retry.backoff(attempts, ThreadLocalRandom.current()));
                continue;
            }
            String error = String.valueOf(failure.error());
            if (failure.error() instanceof PublishFailed) {
                // the bus kept refusing (after its own retries and these attempts): the rest of the batch would
                // meet the same bus, so it goes to the queue with its records too, rather than to the stream's
                // on-failure destination, which would keep only shard and sequence numbers
                return deadLetterTheRest(deadLetters, remaining, sequence, error, attempts, failures, deadLettered);
            }
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

    private static StreamsEventResponse deadLetterTheRest(SqsDeadLetterSink deadLetters, List<RecordedEvent> rest,
                                                          Map<RecordedEvent, String> sequence, String error, int attempts,
                                                          AtomicLong failures, AtomicLong deadLettered) {
        RecordedEvent refused = rest.get(0);
        for (RecordedEvent e : rest) {
            String why = e == refused ? error : "not published: the bus refused " + refused.coordinates()
                    + " before it in the same batch (" + error + ")";
            try {
                deadLetters.add(e, why, e == refused ? attempts : 0);
            } catch (RuntimeException notStored) {
                failures.incrementAndGet();
                LOG.error("the bus refused {} and the dead-letter queue did not take {} ({}); Lambda retries from it",
                        refused.coordinates(), e.coordinates(), notStored.toString());
                return failAt(sequence.get(e));
            }
            deadLettered.incrementAndGet();
        }
        LOG.warn("the bus refused {} after {} attempt(s): {} event(s) dead-lettered with their records: {}",
                refused.coordinates(), attempts, rest.size(), error);
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
