package dev.tally.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.EventMetadata;
import dev.tally.core.ReadOptions;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.ledger.VersionConflict;
import dev.tally.testing.TestEvents;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * A PutItem whose response is lost is retried by the SDK; the retry then fails the condition
 * against the item the first try wrote. That must not be taken for a conflict: a command would
 * decide again and append the same delta twice.
 */
class DynamoDbLedgerRetryTest {

    /** Executes requests for real, but loses the response of the first PutItem (a dropped connection). */
    static final class LosesFirstPutResponse implements SdkHttpClient {
        final SdkHttpClient delegate = UrlConnectionHttpClient.create();
        final AtomicInteger lost = new AtomicInteger();

        @Override
        public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
            ExecutableHttpRequest real = delegate.prepareRequest(request);
            boolean put = request.httpRequest().firstMatchingHeader("X-Amz-Target")
                    .map(t -> t.endsWith(".PutItem")).orElse(false);
            return new ExecutableHttpRequest() {
                @Override
                public HttpExecuteResponse call() throws IOException {
                    HttpExecuteResponse response = real.call();
                    if (put && lost.getAndIncrement() == 0) {
                        response.responseBody().ifPresent(FaultInjectingHttpClient::discard);
                        throw new IOException("connection reset (simulated: the write happened, its answer was lost)");
                    }
                    return response;
                }

                @Override
                public void abort() {
                    real.abort();
                }
            };
        }

        @Override
        public void close() {
            delegate.close();
        }
    }

    @Test
    void aRetriedPutOfOurOwnWriteIsNotAConflict() {
        DynamoDbClient raw = DynamoDbLocalTestServer.client();
        DynamoDbTables.createIfMissing(raw, TableDefinitions.ledger("retry-ledger"));
        LosesFirstPutResponse http = new LosesFirstPutResponse();
        try (DynamoDbClient client = DynamoDbClient.builder().httpClient(http).region(Region.US_EAST_1)
                .endpointOverride(DynamoDbLocalTestServer.endpoint())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("tallyLocal", "x")))
                .build()) {
            DynamoDbLedger ledger = new DynamoDbLedger(client, "retry-ledger");
            String store = TestEvents.uniqueStore("retry");
            ledger.append(List.of(TestEvents.event(store, "a", 1)));
            assertThat(http.lost.get()).as("the SDK retried the PutItem whose answer was lost").isEqualTo(2);
            assertThat(ledger.read(store, "a", ReadOptions.ALL)).hasSize(1);

            // a real conflict still is one
            assertThatThrownBy(() -> ledger.append(List.of(TestEvents.event(store, "a", 1, "Rival",
                    JsonCodec.object(), EventMetadata.empty())))).isInstanceOf(VersionConflict.class);
        }
    }
}
