package dev.tally.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.HttpURLConnection;
import org.junit.jupiter.api.Test;

class MotoServerTest {

    @Test
    void starts_on_loopback_and_answers_and_stops() throws Exception {
        MotoServer moto = MotoServer.startOrSkip();
        try (moto) {
            assertThat(moto.endpoint().getHost()).isEqualTo("127.0.0.1");
            HttpURLConnection c = (HttpURLConnection) moto.endpoint().resolve("/moto-api/data.json").toURL().openConnection();
            assertThat(c.getResponseCode()).isEqualTo(200);
            moto.reset();
        }
        HttpURLConnection after = (HttpURLConnection) moto.endpoint().resolve("/moto-api/").toURL().openConnection();
        after.setConnectTimeout(500);
        org.assertj.core.api.Assertions.assertThatThrownBy(after::getResponseCode).isInstanceOf(java.io.IOException.class);
    }
}
