package dev.tally.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.saga.Timer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** How many requests the timer poller costs DynamoDB: none while no timer is due. */
class DynamoDbTimerStoreRequestsTest {
    static final Instant T0 = Instant.parse("2026-12-07T12:00:00Z");

    final Map<String, AtomicLong> requests = new ConcurrentHashMap<>();
    final DynamoDbClient counted = DynamoDbClient.builder().httpClient(UrlConnectionHttpClient.create())
            .region(Region.US_EAST_1).endpointOverride(DynamoDbLocalTestServer.endpoint())
            .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("tallyLocal",
                    "tallyLocalSecret")))
            .overrideConfiguration(o -> o.addExecutionInterceptor(new ExecutionInterceptor() {
                @Override
                public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
                    requests.computeIfAbsent(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME),
                            k -> new AtomicLong()).incrementAndGet();
                }
            })).build();
    final String table = "timers-" + UUID.randomUUID();

    DynamoDbTimerStore store() {
        DynamoDbTables.createIfMissing(counted, TableDefinitions.keyValue(table));
        return new DynamoDbTimerStore(counted, table);
    }

    long scans() {
        return requests.getOrDefault("Scan", new AtomicLong()).get();
    }

    @Test
    void pollsBeforeTheEarliestTimerIsDueCostNoRequest() {
        DynamoDbTimerStore store = store();
        store.schedule(new Timer("t1", "saga", "s1", "deadline", T0.plusSeconds(60), "{}"));
        assertThat(store.due(T0, 10)).isEmpty(); // the first poll scans and learns t1's time
        long after = scans();
        for (int i = 1; i < 50; i++) {
            assertThat(store.due(T0.plusSeconds(i), 10)).isEmpty();
        }
        assertThat(scans()).isEqualTo(after);
        assertThat(store.due(T0.plusSeconds(60), 10)).extracting(Timer::id).containsExactly("t1");
        assertThat(scans()).isEqualTo(after + 1);
    }

    @Test
    void anEarlierTimerScheduledAfterTheScanIsFoundOnTime() {
        DynamoDbTimerStore store = store();
        store.schedule(new Timer("late", "saga", "s1", "deadline", T0.plusSeconds(600), "{}"));
        assertThat(store.due(T0, 10)).isEmpty();
        store.schedule(new Timer("soon", "saga", "s2", "deadline", T0.plusSeconds(5), "{}"));
        assertThat(store.due(T0.plusSeconds(4), 10)).isEmpty();
        assertThat(store.due(T0.plusSeconds(5), 10)).extracting(Timer::id).containsExactly("soon");
    }

    @Test
    void aDueTimerThatWasNotFiredComesAgainAndAFiredOneDoesNot() {
        DynamoDbTimerStore store = store();
        store.schedule(new Timer("t1", "saga", "s1", "deadline", T0, "{}"));
        store.schedule(new Timer("t2", "saga", "s1", "later", T0.plusSeconds(100), "{}"));
        assertThat(store.due(T0, 10)).extracting(Timer::id).containsExactly("t1");
        assertThat(store.due(T0.plusSeconds(1), 10)).extracting(Timer::id).containsExactly("t1"); // its firing failed
        store.fired("t1");
        assertThat(store.due(T0.plusSeconds(2), 10)).isEmpty();
        long after = scans();
        assertThat(store.due(T0.plusSeconds(3), 10)).isEmpty();
        assertThat(scans()).isEqualTo(after);
        assertThat(store.due(T0.plusSeconds(100), 1)).extracting(Timer::id).isEqualTo(List.of("t2"));
    }
}
