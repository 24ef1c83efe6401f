package dev.tally.bench.aws;

import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** The three synchronous HTTP clients of the AWS SDK v2 compared here, built the same way. */
enum HttpClients {
    URL_CONNECTION("url-connection"),
    APACHE5("apache5"),
    CRT("crt");

    final String label;

    HttpClients(String label) {
        this.label = label;
    }

    static HttpClients of(String label) {
        for (HttpClients c : values()) {
            if (c.label.equals(label)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown client '" + label + "': use url-connection, apache5 or crt");
    }

    /** Built by class name inside each branch, so a JVM loads only the client it measures. */
    SdkHttpClient build() {
        return switch (this) {
            case URL_CONNECTION -> software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create();
            case APACHE5 -> software.amazon.awssdk.http.apache5.Apache5HttpClient.builder()
                    .maxConnections(64).build();
            case CRT -> software.amazon.awssdk.http.crt.AwsCrtHttpClient.builder()
                    .maxConcurrency(64).connectionTimeout(Duration.ofSeconds(2)).build();
        };
    }

    DynamoDbClient dynamoDb(URI endpoint) {
        return DynamoDbClient.builder()
                .httpClient(build())
                .region(Region.US_EAST_1)
                .endpointOverride(endpoint)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("benchKey",
                        "benchSecret")))
                .build();
    }
}
