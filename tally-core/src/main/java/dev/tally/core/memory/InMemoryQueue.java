package dev.tally.core.memory;

import dev.tally.core.runtime.DeadLetter;
import dev.tally.core.runtime.DeadLetterSource;
import dev.tally.core.runtime.MessageRef;
import dev.tally.core.spi.DeadLetterStore;
import dev.tally.core.message.Message;
import dev.tally.core.spi.MessageQueue;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A queue in memory with SQS semantics: visibility timeout, receive count, and a move to the dead
 * letters after {@code maxReceiveCount} receives without an ack.
 */
public final class InMemoryQueue implements MessageQueue {
    private static final class Entry {
        final String id = UUID.randomUUID().toString();
        final Message message;
        Instant visibleAt = Instant.MIN;
        int receives;
        String receipt;

        Entry(Message message) {
            this.message = message;
        }
    }

    private final String name;
    private final int maxReceiveCount;
    private final DeadLetterStore deadLetters;
    private final Clock clock;
    private final Map<String, Entry> entries = new LinkedHashMap<>();

    public InMemoryQueue(String name, int maxReceiveCount, DeadLetterStore deadLetters, Clock clock) {
        if (maxReceiveCount < 1) {
            throw new IllegalArgumentException("maxReceiveCount must be >= 1, got " + maxReceiveCount);
        }
        this.name = name;
        this.maxReceiveCount = maxReceiveCount;
        this.deadLetters = deadLetters;
        this.clock = clock;
    }

    public InMemoryQueue(String name, int maxReceiveCount) {
        this(name, maxReceiveCount, new InMemoryDeadLetterStore(), Clock.systemUTC());
    }

    @Override
    public synchronized void send(List<? extends Message> messages) {
        for (Message m : messages) {
            Entry e = new Entry(m);
            entries.put(e.id, e);
        }
    }

    @Override
    public synchronized List<Received> receive(int max, Duration visibilityTimeout) {
        Instant now = clock.instant();
        List<Received> out = new ArrayList<>();
        Iterator<Entry> it = entries.values().iterator();
        while (it.hasNext() && out.size() < max) {
            Entry e = it.next();
            if (e.visibleAt.isAfter(now)) {
                continue;
            }
            if (e.receives >= maxReceiveCount) {
                // dead-letter first: if the store refuses, the entry stays in the queue (nothing lost)
                deadLetters.add(new DeadLetter(e.id, new DeadLetterSource.Queue(name), MessageRef.of(e.message),
                        e.message, "received " + e.receives + " times without an ack (maxReceiveCount "
                        + maxReceiveCount + ")", e.receives, now));
                it.remove();
                continue;
            }
            e.receives++;
            e.receipt = e.id + ":" + e.receives;
            e.visibleAt = now.plus(visibilityTimeout);
            out.add(new Received(e.receipt, e.message, e.receives));
        }
        return out;
    }

    @Override
    public synchronized void ack(String receipt) {
        String id = receipt.substring(0, receipt.lastIndexOf(':'));
        Entry e = entries.get(id);
        if (e != null && receipt.equals(e.receipt)) {
            entries.remove(id);
        }
    }

    public synchronized int size() {
        return entries.size();
    }

    public DeadLetterStore deadLetters() {
        return deadLetters;
    }
}
