package dev.tally.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every socket {@code tally serve} listens on, read from Linux's view of the process: on loopback
 * by default, and when the user exposes the server only the HTTP API leaves loopback (DynamoDB
 * Local, which checks no credentials, and the local EventBridge stay on 127.0.0.1).
 */
class ServeListenersIT {

    @BeforeAll
    static void linuxOnly() {
        assumeTrue(ListeningSockets.supported(), "needs Linux's /proc/PID/net/tcp");
    }

    @Test
    void byDefaultEveryListenerIsOnLoopback() throws Exception {
        Path data = Path.of("target", "it-data-" + UUID.randomUUID());
        try (TallyProcess tally = TallyProcess.serveOn(data)) {
            List<ListeningSockets.Listener> listeners = ListeningSockets.of(tally.pid());
            System.out.println("pid " + tally.pid() + " (API " + tally.url() + ") listens on " + listeners);

            assertThat(listeners).as("the HTTP API, DynamoDB Local and the local EventBridge").hasSizeGreaterThanOrEqualTo(3);
            assertThat(listeners).extracting(ListeningSockets.Listener::port).contains(tally.url().getPort());
            assertThat(listeners).as("listening sockets of pid %d", tally.pid())
                    .allMatch(ListeningSockets.Listener::loopback);
        }
    }

    @Test
    void exposedOnlyTheHttpApiListensBeyondLoopback() throws Exception {
        Path data = Path.of("target", "it-data-" + UUID.randomUUID());
        try (TallyProcess tally = TallyProcess.serveWith(Map.of("TALLY_TOKEN", "s3cret-token"),
                "--data", data.toString(), "--port", "0", "--host", "0.0.0.0")) {
            int apiPort = tally.url().getPort();
            List<ListeningSockets.Listener> listeners = ListeningSockets.of(tally.pid());
            System.out.println("pid " + tally.pid() + " (API " + tally.url() + ") listens on " + listeners);

            assertThat(listeners).as("the HTTP API, DynamoDB Local and the local EventBridge").hasSizeGreaterThanOrEqualTo(3);
            List<ListeningSockets.Listener> exposed = listeners.stream().filter(l -> !l.loopback()).toList();
            assertThat(exposed).as("listening sockets of pid %d beyond loopback, among %s", tally.pid(), listeners)
                    .hasSize(1)
                    .allSatisfy(l -> {
                        assertThat(l.wildcard()).isTrue();
                        assertThat(l.port()).isEqualTo(apiPort);
                    });
        }
    }
}
