package dev.tally.aws;

import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import dev.tally.core.RecordedEvent;
import dev.tally.core.RetryPolicy;
import dev.tally.core.runtime.FailurePolicy;
import dev.tally.core.message.PublishFailed;
import dev.tally.core.runtime.Dispatcher;
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
        Dispatcher.Failure[] last = {null};
        try {
            FailurePolicy.of(retry).run(events, batch -> {
                last[0] = null;
                Dispatcher.Result result = dispatcher.dispatch(batch);
                if (result.ok()) {
                    return batch.size();
                }
                last[0] = result.failure().get();
                return batch.indexOf(last[0].event());
            }, done -> { }, (head, thrown, attempts) -> {
                RecordedEvent failed = head.get(0);
                String error = last[0] == null ? thrown : String.valueOf(last[0].error());
                if (last[0] != null && last[0].error() instanceof PublishFailed) {
                    // the bus kept refusing (after its own retries and these attempts): the rest of the batch
                    // would meet the same bus, so it goes to the queue with its records too, rather than to the
                    // stream's on-failure destination, which would keep only shard and sequence numbers
                    throw new Answered(deadLetterTheRest(deadLetters, events.subList(events.indexOf(failed),
                            events.size()), sequence, error, attempts, failures, deadLettered));
                }
                try {
                    deadLetters.add(failed, error, attempts);
                } catch (RuntimeException notStored) {
                    failures.incrementAndGet();
                    LOG.error("cannot dispatch {} ({}) and the dead-letter queue did not take it ({}); Lambda retries"
                            + " it", failed.coordinates(), error, notStored.toString());
                    throw new Answered(failAt(sequence.get(failed)));
                }
                deadLettered.incrementAndGet();
                LOG.warn("dead-lettered {} after {} attempt(s): {}", failed.coordinates(), attempts, error);
            }, FailurePolicy.Pause.THREAD, ThreadLocalRandom.current());
        } catch (Answered answered) {
            return answered.response;
        }
        return new StreamsEventResponse(List.of());
    }

    /** Ends the batch early with this answer to Lambda. */
    private static final class Answered extends RuntimeException {
        final StreamsEventResponse response;

        Answered(StreamsEventResponse response) {
            super(null, null, false, false);
            this.response = response;
        }
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
}
