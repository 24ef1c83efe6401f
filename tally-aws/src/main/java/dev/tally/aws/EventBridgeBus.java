package dev.tally.aws;

import dev.tally.core.RetryPolicy;
import dev.tally.core.runtime.FailurePolicy;
import dev.tally.core.message.Message;
import dev.tally.core.spi.MessageBus;
import dev.tally.core.message.PublishFailed;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequest;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequestEntry;
import software.amazon.awssdk.services.eventbridge.model.PutEventsResponse;
import software.amazon.awssdk.services.eventbridge.model.PutEventsResultEntry;

/**
 * Publishes messages to an EventBridge bus with PutEvents: at most 10 entries and 256 KB per
 * call. A partial failure ({@code FailedEntryCount > 0}) retries only the failed entries, with
 * jittered backoff; what still fails after the retry policy is reported in {@link PublishFailed}
 * (the dispatcher then fails the stream batch from there, and Lambda retries it).
 *
 * <p>A message over 256 KB travels as a claim check: its event's coordinates only; receivers
 * resolve it from the ledger (see {@link EventBridgeEvents#detail}).
 */
public final class EventBridgeBus implements MessageBus {
    private static final Logger LOG = LoggerFactory.getLogger(EventBridgeBus.class);
    private static final int MAX_ENTRIES = 10;

    private final EventBridgeClient client;
    private final String busName;
    private final RetryPolicy retry;
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong retriedEntries = new AtomicLong();
    private final AtomicLong claimChecks = new AtomicLong();

    public EventBridgeBus(EventBridgeClient client, String busName, RetryPolicy retry) {
        this.client = Objects.requireNonNull(client, "client");
        this.busName = Objects.requireNonNull(busName, "busName");
        this.retry = Objects.requireNonNull(retry, "retry");
    }

    /** 5 attempts, 50 ms doubling to 2 s. */
    public EventBridgeBus(EventBridgeClient client, String busName) {
        this(client, busName, new RetryPolicy(5, Duration.ofMillis(50), Duration.ofSeconds(2)));
    }

    @Override
    public void publish(List<? extends Message> messages) {
        List<Pending> chunk = new ArrayList<>();
        int chunkBytes = 0;
        for (Message m : messages) {
            Pending p = entry(m);
            if (!chunk.isEmpty() && (chunk.size() == MAX_ENTRIES
                    || chunkBytes + p.size > EventBridgeEvents.MAX_ENTRY_BYTES)) {
                send(chunk);
                chunk = new ArrayList<>();
                chunkBytes = 0;
            }
            chunk.add(p);
            chunkBytes += p.size;
        }
        if (!chunk.isEmpty()) {
            send(chunk);
        }
    }

    private record Pending(Message message, PutEventsRequestEntry entry, int size) {
    }

    private Pending entry(Message m) {
        String detail = EventBridgeEvents.detail(m);
        if (detail.contains("\"claimCheck\"")) {
            claimChecks.incrementAndGet();
        }
        PutEventsRequestEntry e = PutEventsRequestEntry.builder()
                .eventBusName(busName)
                .source(EventBridgeEvents.source(m))
                .detailType(EventBridgeEvents.detailType(m))
                .detail(detail)
                .build();
        return new Pending(m, e, EventBridgeEvents.entrySize(e.source(), e.detailType(), detail));
    }

    /** Sends one chunk; retries the failed entries (or the whole chunk on a call error). */
    private void send(List<Pending> chunk) {
        String[] lastError = {null};
        SdkException[] lastException = {null};
        List<Pending> left = FailurePolicy.of(retry).retryRemaining(chunk, (remaining, attempt) -> {
            List<Pending> failed = putEvents(remaining, lastError, lastException);
            if (!failed.isEmpty() && attempt < retry.maxAttempts()) {
                LOG.debug("PutEvents: {} entr(ies) failed ({}), retrying", failed.size(), lastError[0]);
            }
            return failed;
        }, FailurePolicy.Pause.THREAD, ThreadLocalRandom.current());
        if (!left.isEmpty()) {
            throw new PublishFailed("EventBridge bus '" + busName + "' did not accept " + left.size()
                    + " message(s) after " + retry.maxAttempts() + " attempts: " + lastError[0]
                    + ". Check the bus exists and the role may PutEvents on it",
                    left.stream().map(Pending::message).toList(), lastException[0]);
        }
    }

    /** One PutEvents call: the entries that failed (all of them when the call itself failed). */
    private List<Pending> putEvents(List<Pending> remaining, String[] lastError, SdkException[] lastException) {
        try {
            PutEventsResponse r = client.putEvents(PutEventsRequest.builder()
                    .entries(remaining.stream().map(Pending::entry).toList()).build());
            if (r.failedEntryCount() == null || r.failedEntryCount() == 0) {
                published.addAndGet(remaining.size());
                return List.of();
            }
            List<Pending> failed = new ArrayList<>();
            List<PutEventsResultEntry> results = r.entries();
            for (int i = 0; i < remaining.size(); i++) {
                PutEventsResultEntry result = i < results.size() ? results.get(i) : null;
                if (result == null || result.errorCode() != null) {
                    failed.add(remaining.get(i));
                    lastError[0] = result == null ? "no result entry" : result.errorCode() + ": "
                            + result.errorMessage();
                }
            }
            if (failed.isEmpty()) {
                // the count says some failed but no entry says which: send them all again
                // (duplicates are harmless downstream, a lost entry is not)
                failed = remaining;
                lastError[0] = r.failedEntryCount() + " entries reported failed without an error code";
            }
            published.addAndGet(remaining.size() - failed.size());
            retriedEntries.addAndGet(failed.size());
            return failed;
        } catch (SdkException e) {
            lastException[0] = e;
            lastError[0] = e.getMessage();
            return remaining;
        }
    }

    public String busName() {
        return busName;
    }

    public long publishedCount() {
        return published.get();
    }

    public long retriedEntryCount() {
        return retriedEntries.get();
    }

    public long claimCheckCount() {
        return claimChecks.get();
    }
}
