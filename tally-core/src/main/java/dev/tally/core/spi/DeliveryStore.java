package dev.tally.core.spi;

import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.internal.DeliveryEngine;
import dev.tally.core.internal.PendingDelivery;
import java.util.Collection;
import java.util.List;

/**
 * Where a bus keeps the deliveries it accepted until they are finished, so that "accepted" means
 * what EventBridge's PutEvents success means: a crash at any instant after {@link #add} returns
 * loses none of them, and a restarted bus {@link DeliveryEngine#recover recovers} them with their
 * retry state. The in-memory pipeline uses {@link dev.tally.core.memory.InMemoryDeliveryStore}
 * (nothing survives the JVM, by the user's choice); the local stack keeps them in DynamoDB.
 */
public interface DeliveryStore extends AutoCloseable {

    /** Stores deliveries; durable before it returns. A delivery with the id of a stored one replaces it. */
    void add(List<PendingDelivery> deliveries);

    /** Records a failed attempt and when the next one is due; durable before it returns. */
    void reschedule(PendingDelivery delivery);

    /**
     * Forgets finished deliveries (handled, or dead-lettered). An adapter may batch removals and
     * apply them a little later: a removal lost in a crash means one more delivery of a message the
     * target already handled, never a lost one.
     */
    void remove(Collection<String> ids);

    /** Stored deliveries, one page at a time (read when a bus starts). */
    Page<PendingDelivery> page(PageRequest request);

    /** Applies removals that were batched (on a clean shutdown). */
    default void flush() {
    }

    @Override
    default void close() {
        flush();
    }
}
