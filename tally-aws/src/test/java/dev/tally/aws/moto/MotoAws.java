package dev.tally.aws.moto;

import dev.tally.testing.MotoServer;
import java.net.URI;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.scheduler.SchedulerClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * One moto_server per test JVM (started on first use, stopped when the JVM exits), and SDK clients
 * for it built the way Tally builds them for AWS (url-connection client, explicit region). Tests
 * that need it call {@link #moto()} first: when moto_server is not installed, that skips them with
 * install advice. Each test uses names of its own, so one server serves every test.
 */
public final class MotoAws {
    private static MotoServer server;

    private MotoAws() {
    }

    public static synchronized MotoServer moto() {
        if (server == null) {
            server = MotoServer.startOrSkip();
            MotoServer started = server;
            Runtime.getRuntime().addShutdownHook(new Thread(started::close, "moto-server-stop"));
        }
        return server;
    }

    static URI endpoint() {
        return moto().endpoint();
    }

    private static StaticCredentialsProvider credentials() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(MotoServer.ACCESS_KEY, MotoServer.SECRET_KEY));
    }

    public static DynamoDbClient dynamoDb() {
        return DynamoDbClient.builder().httpClient(UrlConnectionHttpClient.create()).region(Region.of(MotoServer.REGION))
                .endpointOverride(endpoint()).credentialsProvider(credentials()).build();
    }

    public static DynamoDbStreamsClient streams() {
        return DynamoDbStreamsClient.builder().httpClient(UrlConnectionHttpClient.create())
                .region(Region.of(MotoServer.REGION)).endpointOverride(endpoint()).credentialsProvider(credentials()).build();
    }

    public static EventBridgeClient eventBridge() {
        return EventBridgeClient.builder().httpClient(UrlConnectionHttpClient.create()).region(Region.of(MotoServer.REGION))
                .endpointOverride(endpoint()).credentialsProvider(credentials()).build();
    }

    public static SqsClient sqs() {
        return SqsClient.builder().httpClient(UrlConnectionHttpClient.create()).region(Region.of(MotoServer.REGION))
                .endpointOverride(endpoint()).credentialsProvider(credentials()).build();
    }

    public static SchedulerClient scheduler() {
        return SchedulerClient.builder().httpClient(UrlConnectionHttpClient.create()).region(Region.of(MotoServer.REGION))
                .endpointOverride(endpoint()).credentialsProvider(credentials()).build();
    }
}
