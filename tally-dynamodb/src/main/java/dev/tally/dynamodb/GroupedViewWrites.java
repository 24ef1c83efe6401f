package dev.tally.dynamodb;

import dev.tally.core.projection.ProjectionWriter.WriteOutcome;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

/**
 * Group commit of conditional view writes for DynamoDB Local: writes that arrive while another is
 * in flight (from any view table on the same client) go together in one {@code TransactWriteItems},
 * which DynamoDB Local runs for far less CPU than one {@code PutItem} each and with one commit to
 * the disk (docs/benchmarks.md, "View writes in one transaction"). Every write keeps its own
 * condition ("only when newer"), so a stale one is reported {@link WriteOutcome#STALE} as before;
 * when a transaction is cancelled by a stale item, the others are written one by one. A write
 * returns only once its item is stored (or with its own error), so nothing is acknowledged earlier.
 *
 * <p>Not for DynamoDB on AWS, where a transactional write costs twice the write capacity: the
 * writers there use {@link #single}.
 */
public final class GroupedViewWrites {
    private static final Logger LOG = LoggerFactory.getLogger(GroupedViewWrites.class);
    /** Items per transaction; well under DynamoDB's 100 actions, and a failed group costs less to redo. */
    static final int MAX_GROUP = 25;

    private final DynamoDbClient client;
    private final boolean group;
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private boolean flushing;
    /** Transactions sent, and those refused as a whole (never expected: for tests and diagnosis). */
    private final java.util.concurrent.atomic.AtomicLong transactions = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong refusedWhole = new java.util.concurrent.atomic.AtomicLong();

    private GroupedViewWrites(DynamoDbClient client, boolean group) {
        this.client = Objects.requireNonNull(client, "client");
        this.group = group;
    }

    /** Writes that wait for each other and go together (for DynamoDB Local). */
    public static GroupedViewWrites grouped(DynamoDbClient client) {
        return new GroupedViewWrites(client, true);
    }

    /** One PutItem per write (for DynamoDB on AWS). */
    public static GroupedViewWrites single(DynamoDbClient client) {
        return new GroupedViewWrites(client, false);
    }

    DynamoDbClient client() {
        return client;
    }

    long transactions() {
        return transactions.get();
    }

    long refusedWhole() {
        return refusedWhole.get();
    }

    private static final class Pending {
        final PutItemRequest put;
        final String item;
        WriteOutcome outcome;
        RuntimeException error;
        boolean done;

        Pending(PutItemRequest put, String key) {
            this.put = put;
            this.item = put.tableName() + "\u0000" + key;
        }
    }

    /** Stores the conditional put (its condition: only when newer); tells whether it was written or stale. */
    WriteOutcome write(PutItemRequest put, String key) {
        if (!group) {
            return putOne(put);
        }
        Pending me = new Pending(put, key);
        synchronized (this) {
            queue.add(me);
            while (flushing && !me.done) {
                waitQuietly();
            }
            if (me.done) {
                return answer(me); // a leader wrote it with its group
            }
            flushing = true; // this caller leads until its own write is done
        }
        try {
            while (!me.done) {
                List<Pending> batch;
                synchronized (this) {
                    batch = take();
                }
                try {
                    send(batch);
                } catch (RuntimeException | Error e) {
                    // never leave a write of the group without an answer: its caller would wait forever
                    for (Pending p : batch) {
                        if (p.outcome == null && p.error == null) {
                            p.error = new IllegalStateException("the view write was not sent: " + e, e);
                        }
                    }
                }
                synchronized (this) {
                    batch.forEach(p -> p.done = true);
                    notifyAll();
                }
            }
        } finally {
            synchronized (this) {
                flushing = false; // only the leader gets here: the next waiting writer leads
                notifyAll();
            }
        }
        return answer(me);
    }

    private static WriteOutcome answer(Pending me) {
        if (me.error != null) {
            throw me.error;
        }
        return me.outcome;
    }

    /** Up to {@link #MAX_GROUP} queued writes in arrival order, at most one per item (a transaction's rule). */
    private List<Pending> take() {
        List<Pending> batch = new ArrayList<>();
        Set<String> items = new HashSet<>();
        for (Iterator<Pending> it = queue.iterator(); it.hasNext() && batch.size() < MAX_GROUP; ) {
            Pending p = it.next();
            if (items.add(p.item)) {
                batch.add(p);
                it.remove();
            }
        }
        return batch;
    }

    private void waitQuietly() {
        try {
            wait();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a view write", e);
        }
    }

    /** Sends a group; each write gets its outcome or its own error, never another's. */
    private void send(List<Pending> batch) {
        if (batch.isEmpty()) {
            return;
        }
        if (batch.size() == 1) {
            settleOne(batch.get(0));
            return;
        }
        List<TransactWriteItem> items = new ArrayList<>(batch.size());
        for (Pending p : batch) {
            PutItemRequest r = p.put;
            items.add(TransactWriteItem.builder().put(Put.builder().tableName(r.tableName()).item(r.item())
                    .conditionExpression(r.conditionExpression()).expressionAttributeNames(r.expressionAttributeNames())
                    .expressionAttributeValues(r.expressionAttributeValues()).build()).build());
        }
        transactions.incrementAndGet();
        try {
            client.transactWriteItems(TransactWriteItemsRequest.builder().transactItems(items).build());
            batch.forEach(p -> p.outcome = WriteOutcome.WRITTEN);
            return;
        } catch (TransactionCanceledException cancelled) {
            LOG.debug("a group of {} view writes was cancelled: {}", batch.size(), cancelled.getMessage());
            List<CancellationReason> reasons = cancelled.hasCancellationReasons() ? cancelled.cancellationReasons()
                    : List.of();
            if (reasons.size() != batch.size()) {
                reasons = List.of(); // reasons that are not one per item cannot be matched: each write on its own
            }
            for (int i = 0; i < batch.size(); i++) {
                String code = i < reasons.size() ? reasons.get(i).code() : null;
                if ("ConditionalCheckFailed".equals(code)) {
                    batch.get(i).outcome = WriteOutcome.STALE; // nothing of the group was written: still stale
                } else {
                    settleOne(batch.get(i)); // not written because another item failed: on its own now
                }
            }
            return;
        } catch (RuntimeException other) {
            refusedWhole.incrementAndGet();
            LOG.warn("a group of {} view writes was refused as a whole ({}); writing them one by one", batch.size(),
                    other.toString());
            // the group as a whole was refused (or its answer lost): each write on its own, with its own outcome
            // (one that the lost answer had written is then stale, which changes nothing stored)
        }
        batch.forEach(this::settleOne);
    }

    private void settleOne(Pending p) {
        try {
            p.outcome = putOne(p.put);
        } catch (RuntimeException e) {
            p.error = e;
        }
    }

    private WriteOutcome putOne(PutItemRequest put) {
        try {
            client.putItem(put);
            return WriteOutcome.WRITTEN;
        } catch (ConditionalCheckFailedException staleOrDuplicate) {
            return WriteOutcome.STALE;
        }
    }
}
