package dev.tally.local;

import dev.tally.core.memory.InMemoryDeliveryStore;
import dev.tally.core.spi.ClaimResolver;
import dev.tally.core.internal.Chaos;
import dev.tally.core.spi.DeadLetterStore;
import dev.tally.core.internal.DeliveryEngine;
import dev.tally.core.spi.DeliveryStore;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bus side of the local stack: the local EventBridge endpoint and the store of its accepted
 * deliveries (a journal in the data directory, or memory), started and stopped together.
 */
final class LocalBus {
    private static final Logger LOG = LoggerFactory.getLogger(LocalBus.class);

    private final DeliveryStore deliveries;
    private final LocalEventBridge eventBridge;

    /** Starts the endpoint; {@code journal} null keeps deliveries in memory. */
    LocalBus(String busName, int port, int threads, Chaos chaos, Path journal, boolean fsync,
             DeadLetterStore deadLetters, ClaimResolver claims) {
        this.deliveries = journal != null ? new JournalDeliveryStore(journal, fsync, Duration.ofMillis(50))
                : new InMemoryDeliveryStore();
        this.eventBridge = LocalEventBridge.start(busName, port,
                DeliveryEngine.async(threads, chaos, deadLetters, deliveries), claims);
    }

    LocalEventBridge eventBridge() {
        return eventBridge;
    }

    /** Lets pending deliveries finish for up to {@code drain}; what is left stays stored for the next start. */
    void shutdown(Duration drain) {
        if (!eventBridge.shutdown(drain)) {
            LOG.info("{} deliveries were still pending after {}; they stay stored for the next start",
                    eventBridge.inFlight(), drain);
        }
        try {
            deliveries.close();
        } catch (Exception e) {
            LOG.warn("closing the delivery store: {}", e.toString());
        }
    }

    /** Stops at once, as kill -9 would: nothing drained, nothing more written. */
    void halt() {
        eventBridge.halt();
        if (deliveries instanceof JournalDeliveryStore d) {
            d.halt();
        }
    }
}
