package dev.tally.server;

import dev.tally.core.EventStore;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * {@code tally serve --chaos-unreachable STORE}: the commands that sagas send to these stores fail
 * as if the stores' service were down (a connection refused before anything is sent). The saga's
 * delivery is retried, then dead-lettered; its timers still fire, so its deadline runs out and its
 * compensations start, which is how one tries timeouts and compensations on a server where every
 * step otherwise succeeds in milliseconds. Commands from HTTP routes and apps are not affected.
 */
final class UnreachableStores {
    private final Set<String> stores;

    UnreachableStores(Collection<String> stores) {
        this.stores = Set.copyOf(new TreeSet<>(stores == null ? List.of() : stores));
    }

    boolean isEmpty() {
        return stores.isEmpty();
    }

    Set<String> stores() {
        return stores;
    }

    /** Refuses a name that is not a store this server serves: a typo must not look like a healthy run. */
    void requireServed(Collection<String> served) {
        for (String s : stores) {
            if (!served.contains(s)) {
                throw new IllegalArgumentException("--chaos-unreachable " + s + ": no store '" + s + "' is served;"
                        + " the stores are " + new TreeSet<>(served) + " (name the store a saga sends commands to,"
                        + " e.g. --chaos-unreachable bank-account)");
            }
        }
    }

    /** The stores a saga sends commands to, with the unreachable ones failing as a service that is down. */
    Function<String, EventStore<?>> around(Function<String, EventStore<?>> served) {
        if (stores.isEmpty()) {
            return served;
        }
        return name -> {
            if (stores.contains(name)) {
                throw new StoreUnreachable(name);
            }
            return served.apply(name);
        };
    }

    /** The failure a saga's delivery sees: retried, then dead-lettered, like a refused connection. */
    static final class StoreUnreachable extends RuntimeException {
        StoreUnreachable(String store) {
            super("store '" + store + "' is unreachable (tally serve --chaos-unreachable " + store + "): the saga's"
                    + " command was not sent; start the server without the flag to reach it again", null, false,
                    false);
        }
    }
}
