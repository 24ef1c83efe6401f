package dev.tally.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.SdkHttpClient;

class LongRunningHttpTest {
    @AfterEach
    void clear() {
        System.clearProperty("tally.http.client");
    }

    @Test
    void apache5ByDefaultAndUrlConnectionOnRequest() {
        try (SdkHttpClient c = LongRunningHttp.client()) {
            assertThat(c.clientName()).isEqualTo("Apache5");
        }
        System.setProperty("tally.http.client", " URL-Connection ");
        try (SdkHttpClient c = LongRunningHttp.client()) {
            assertThat(c.clientName()).isEqualTo("UrlConnection");
        }
    }

    @Test
    void anUnknownClientIsRefusedNamingTheChoices() {
        System.setProperty("tally.http.client", "netty");
        assertThatThrownBy(LongRunningHttp::client).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'netty'").hasMessageContaining("apache5").hasMessageContaining("url-connection");
    }

    @Test
    void theLocalStackAnswersThroughThePooledClient() {
        try (LocalDynamoDb db = LocalDynamoDb.inMemory()) {
            assertThat(db.client().listTables().tableNames()).isNotNull();
        }
    }
}
