package dev.tally.postgres;

import dev.tally.core.EventStore;
import dev.tally.core.RecordedEvent;
import dev.tally.core.spi.BatchHandler;
import dev.tally.core.message.Message;
import dev.tally.core.message.MessageFilter;
import dev.tally.core.message.MessageKind;
import dev.tally.core.message.StateCarryingMessage;
import dev.tally.core.runtime.DeadLetter;
import dev.tally.core.runtime.Dispatcher;
import dev.tally.core.runtime.Target;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A target fed by a catch-up subscription of its own: messages built at each event's version, at least once. */
final class PostgresTargetFeed implements BatchHandler {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresTargetFeed.class);

    /** A saga reads the ledger at most this often while appends keep coming (PostgresChangeFeed.Builder.pace). */
    static final Duration PACE = Duration.ofMillis(20);

    private final Target target;
    private final Dispatcher dispatcher;
    private final Set<String> storeNames = new TreeSet<>();
    final PostgresChangeFeed feed;
    private final PostgresDeadLetterStore deadLetterStore;
    private final java.time.Clock clock;
    private final TargetCheckpoints checkpoints;
    private volatile Exception lastError;

    /** The subscription of {@code target} over the events of {@code stores}, sharing the pipeline's listener. */
    PostgresTargetFeed(Target target, List<EventStore<?>> stores, PostgresLedger ledger,
                       PostgresCheckpointStore checkpoints, PostgresDeadLetterStore deadLetterStore,
                       LedgerListener listener, int batchSize, Duration idleWait, java.time.Clock clock) {
        this.target = target;
        this.deadLetterStore = deadLetterStore;
        this.clock = clock;
        this.dispatcher = new Dispatcher(stores, messages -> {
            throw new UnsupportedOperationException("a target's subscription hands messages to the target");
        });
        stores.forEach(s -> storeNames.add(s.name()));
        this.checkpoints = new TargetCheckpoints(checkpoints, Duration.ofSeconds(1));
        PostgresChangeFeed.Builder b = PostgresChangeFeed.builder(target.name(), ledger, this.checkpoints, this)
                .batchSize(batchSize).idleWait(idleWait).failurePolicy(target.failurePolicy()).pace(PACE)
                .onGiveUp(this::giveUp);
        this.feed = (listener != null ? b.listener(listener) : b.listen(false)).build();
    }

    /** Done up to the first failure; a failure on the first event is thrown, so the subscription logs its cause. */
    @Override
    public int handle(List<RecordedEvent> batch) throws Exception {
        for (int i = 0; i < batch.size(); i++) {
            RecordedEvent e = batch.get(i);
            if (!storeNames.contains(e.store()) || !wants(target.filter(), e)) {
                continue;
            }
            checkpoints.delivering(); // an event for the target: the checkpoint past it is saved at once
            try {
                StateCarryingMessage m = dispatcher.messageFor(e);
                if (target.filter().matches(m)) {
                    target.handler().handle(m);
                }
            } catch (Exception ex) {
                lastError = ex;
                if (i == 0) {
                    throw ex;
                }
                return i;
            }
        }
        lastError = null;
        return batch.size();
    }

    /** Stops the subscription after its batch in progress, and saves its checkpoint. */
    void close() {
        feed.close();
        checkpoints.flush();
    }

    /** Called by the subscription after the policy's last attempt; must store the letter durably. */
    private void giveUp(RecordedEvent e) {
        String error = String.valueOf(lastError);
        int attempts = target.failurePolicy().maxAttempts();
        deadLetterStore.add(DeadLetter.ofStateOf(target.source(), e, dispatcher::messageFor, error, attempts,
                clock.instant()));
        checkpoints.delivering(); // the checkpoint past a dead letter is saved at once, or a crash delivers it again
        LOG.warn("target {}: {} dead-lettered after {} attempts: {}", target.name(), e.coordinates(), attempts,
                error);
    }

    boolean redrive(DeadLetter letter) {
        Message m = letter.resolve(dispatcher);
        try {
            target.handler().handle(m);
        } catch (Exception e) {
            throw new IllegalStateException("target " + target.name() + " failed again on " + letter.ref() + ": "
                    + e, e);
        }
        return deadLetterStore.remove(letter.id());
    }

    /** Whether a filter can match the state-carrying message of this event (without building it). */
    private static boolean wants(MessageFilter filter, RecordedEvent e) {
        return (filter.stores().isEmpty() || filter.stores().contains(e.store()))
                && (filter.eventTypes().isEmpty() || filter.eventTypes().contains(e.type()))
                && (filter.kinds().isEmpty() || filter.kinds().contains(MessageKind.STATE_CARRYING));
    }
}
