package dev.tally.core.memory;

import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.spi.DeliveryStore;
import dev.tally.core.internal.PendingDelivery;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Deliveries in memory: lost with the JVM, which is what the in-memory pipeline promises (the whole
 * chain is in memory by the user's choice). Pages are in id order; the cursor is the last id.
 */
public final class InMemoryDeliveryStore implements DeliveryStore {
    private final Map<String, PendingDelivery> deliveries = new TreeMap<>();

    @Override
    public synchronized void add(List<PendingDelivery> list) {
        list.forEach(d -> deliveries.put(d.id(), d));
    }

    @Override
    public synchronized void reschedule(PendingDelivery delivery) {
        deliveries.put(delivery.id(), delivery);
    }

    @Override
    public synchronized void remove(Collection<String> ids) {
        ids.forEach(deliveries::remove);
    }

    @Override
    public synchronized Page<PendingDelivery> page(PageRequest request) {
        List<PendingDelivery> out = new ArrayList<>();
        var view = request.cursor() == null ? ((TreeMap<String, PendingDelivery>) deliveries)
                : ((TreeMap<String, PendingDelivery>) deliveries).tailMap(request.cursor(), false);
        for (PendingDelivery d : view.values()) {
            if (out.size() == request.size()) {
                return new Page<>(out, out.get(out.size() - 1).id());
            }
            out.add(d);
        }
        return new Page<>(out, null);
    }

    public synchronized int size() {
        return deliveries.size();
    }
}
