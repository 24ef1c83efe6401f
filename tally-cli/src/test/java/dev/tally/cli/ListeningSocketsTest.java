package dev.tally.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteOrder;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The parser the listener test relies on, on addresses as a little-endian Linux prints them. */
class ListeningSocketsTest {

    @BeforeAll
    static void littleEndian() {
        Assumptions.assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void readsIpv4AndIpv6LocalAddresses() throws Exception {
        ListeningSockets.Listener v4 = ListeningSockets.listener("0100007F:1F90");
        assertThat(v4.toString()).isEqualTo("127.0.0.1:8080");
        assertThat(v4.loopback()).isTrue();

        ListeningSockets.Listener any4 = ListeningSockets.listener("00000000:0050");
        assertThat(any4.wildcard()).isTrue();
        assertThat(any4.loopback()).isFalse();

        assertThat(ListeningSockets.listener("0100000A:0050").loopback()).as("10.0.0.1").isFalse();

        ListeningSockets.Listener any6 = ListeningSockets.listener("00000000000000000000000000000000:0050");
        assertThat(any6.wildcard()).isTrue();
        assertThat(any6.loopback()).isFalse();

        assertThat(ListeningSockets.listener("00000000000000000000000001000000:0050").loopback()).as("::1").isTrue();
        ListeningSockets.Listener mapped = ListeningSockets.listener("0000000000000000FFFF00000100007F:9A5B");
        assertThat(mapped.toString()).as("::ffff:127.0.0.1").isEqualTo("127.0.0.1:39515");
        assertThat(mapped.loopback()).isTrue();
    }
}
