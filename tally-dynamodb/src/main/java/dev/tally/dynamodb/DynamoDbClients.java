package dev.tally.dynamodb;

import java.net.URI;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.endpoints.Endpoint;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * DynamoDB clients the way Lambda likes them: the url-connection HTTP client (fast cold start,
 * no Apache or Netty), an explicit region, no region or endpoint discovery at startup. Long-running
 * processes pass their own HTTP client (tally-local's {@code LongRunningHttp}: Apache 5, about twice
 * the throughput on a busy client, see docs/benchmarks.md).
 */
public final class DynamoDbClients {
    private DynamoDbClients() {
    }

    /** A client for AWS, credentials from the default chain (the Lambda role). */
    public static DynamoDbClient forAws(Region region) {
        return DynamoDbClient.builder()
                .httpClient(UrlConnectionHttpClient.create())
                .region(region)
                .credentialsProvider(DefaultCredentialsProvider.builder().build())
                .build();
    }

    /** A client for AWS with the given HTTP client (closed with the DynamoDB client). */
    public static DynamoDbClient forAws(Region region, SdkHttpClient http) {
        return DynamoDbClient.builder()
                .httpClient(http)
                .region(region)
                .credentialsProvider(DefaultCredentialsProvider.builder().build())
                .build();
    }

    /** A client for DynamoDB Local or another endpoint, with fixed dummy credentials. */
    public static DynamoDbClient forEndpoint(URI endpoint, Region region) {
        return forEndpoint(endpoint, region, UrlConnectionHttpClient.create());
    }

    /**
     * As {@link #forEndpoint(URI, Region)} with the given HTTP client (closed with the DynamoDB client).
     * The endpoint is fixed: no endpoint rules are evaluated per request, work a local endpoint does not
     * need (with DynamoDB Local in the caller's JVM, every step of the client is that JVM's CPU).
     */
    public static DynamoDbClient forEndpoint(URI endpoint, Region region, SdkHttpClient http) {
        Endpoint fixed = Endpoint.builder().url(endpoint).build();
        return DynamoDbClient.builder()
                .httpClient(http)
                .region(region)
                .endpointOverride(endpoint)
                .endpointProvider(params -> CompletableFuture.completedFuture(fixed))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("tallyLocal",
                        "tallyLocalSecret")))
                .build();
    }
}
