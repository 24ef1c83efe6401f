package dev.tally.local;

import dev.tally.core.message.MessageKind;
import dev.tally.core.message.NotificationMessage;
import dev.tally.core.runtime.DeadLetter;
import dev.tally.core.runtime.DeadLetterSource;
import dev.tally.core.runtime.Dispatcher;
import dev.tally.core.internal.StoredDeadLetters;
import dev.tally.dynamodb.DynamoDbDeadLetterStore;
import java.util.function.Supplier;

/**
 * The local stack's dead letters: those of targets are redriven through the local EventBridge,
 * those of the stream to the dispatcher function through the current stream poller.
 */
final class LocalPipelineDeadLetters extends StoredDeadLetters {
    private final DynamoDbDeadLetterStore deadLetterStore;
    private final LocalEventBridge eventBridge;
    private final Supplier<StreamPoller> poller;
    private final Supplier<Dispatcher> dispatcher;

    LocalPipelineDeadLetters(DynamoDbDeadLetterStore deadLetterStore, LocalEventBridge eventBridge,
                             Supplier<StreamPoller> poller, Supplier<Dispatcher> dispatcher) {
        super(deadLetterStore);
        this.deadLetterStore = deadLetterStore;
        this.eventBridge = eventBridge;
        this.poller = poller;
        this.dispatcher = dispatcher;
    }

    @Override
    public boolean redrive(String id) {
        DeadLetter d = deadLetterStore.get(id).orElse(null);
        if (d == null) {
            return false;
        }
        if (d.source() instanceof DeadLetterSource.Feed) {
            StreamPoller p = poller.get();
            return p != null && p.redrive(id, ref -> ((NotificationMessage) dispatcher.get()
                    .resolve(MessageKind.NOTIFICATION, ref.store(), ref.aggregateId(), ref.version())).event());
        }
        return eventBridge.deadLetters().redrive(id);
    }
}
