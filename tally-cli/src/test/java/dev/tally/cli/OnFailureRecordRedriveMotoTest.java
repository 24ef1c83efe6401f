package dev.tally.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.aws.EventBridgeBus;
import dev.tally.aws.deploy.AppTemplate;
import dev.tally.core.EventStore;
import dev.tally.core.ReadOptions;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.memory.InMemoryLedger;
import dev.tally.core.runtime.Dispatcher;
import dev.tally.testing.MotoServer;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * A projector's on-failure record in the template's {@code TargetDeadLetters} queue, listed and
 * redriven with {@code tally dlq --sqs-queue ... --event-bus}, on moto_server. The projector is
 * stood in for by a queue behind a rule with the pattern the template gives the projector's rule
 * (moto does not run Lambda functions); the letter is Lambda's on-failure record for an asynchronous
 * invocation (the EventBridge event in {@code requestPayload}, the error in {@code responsePayload},
 * as AWS documents it) wrapped around the event EventBridge really delivered.
 */
class OnFailureRecordRedriveMotoTest {
    static MotoServer moto;
    static SqsClient sqs;
    static EventBridgeClient events;

    @BeforeAll
    static void start() {
        moto = MotoServer.startOrSkipAsDefaultCredentials();
        var credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create(MotoServer.ACCESS_KEY,
                MotoServer.SECRET_KEY));
        sqs = SqsClient.builder().region(Region.US_EAST_1).endpointOverride(moto.endpoint())
                .httpClient(UrlConnectionHttpClient.create()).credentialsProvider(credentials).build();
        events = EventBridgeClient.builder().region(Region.US_EAST_1).endpointOverride(moto.endpoint())
                .httpClient(UrlConnectionHttpClient.create()).credentialsProvider(credentials).build();
    }

    @AfterAll
    static void stop() {
        if (moto != null) {
            moto.close();
        }
    }

    static String arnOf(String url) {
        return sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN)).attributes()
                .get(QueueAttributeName.QUEUE_ARN);
    }

    static List<Message> receive(String url) {
        return sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(2)).messages();
    }

    @Test
    void aProjectorsOnFailureRecordIsListedAndItsEventPublishedAgainOnTheBus() throws Exception {
        String id = UUID.randomUUID().toString().substring(0, 8);
        AppTemplate template = new AppTemplate(new OpsTestApp(), "ops.jar");
        String bus = template.busName() + "-" + id;
        JsonNode rule = template.render().get("Resources").get("OpsTotalProjectorFunction").get("Properties")
                .get("Events").get("Rule").get("Properties");
        events.createEventBus(b -> b.name(bus));
        String projectorInput = sqs.createQueue(r -> r.queueName("projector-" + id)).queueUrl();
        String targetDeadLetters = sqs.createQueue(r -> r.queueName("target-dlq-" + id)).queueUrl();
        events.putRule(b -> b.name("projector-" + id).eventBusName(bus).eventPattern(rule.get("Pattern").toString()));
        events.putTargets(b -> b.rule("projector-" + id).eventBusName(bus).targets(t -> t.id("projector")
                .arn(arnOf(projectorInput))));

        // the app's dispatcher publishes a state-carrying message; EventBridge delivers it to the projector's rule
        EventStore<OpsTestApp.Count> counter = EventStore.builder(OpsTestApp.COUNTER, new InMemoryLedger()).build();
        counter.execute("c1", new OpsTestApp.Add(5));
        Dispatcher dispatcher = new Dispatcher(List.of(counter), new EventBridgeBus(events, bus));
        assertThat(dispatcher.dispatch(counter.read("c1", ReadOptions.ALL)).ok()).isTrue();
        List<Message> delivered = receive(projectorInput);
        assertThat(delivered).hasSize(1);
        sqs.deleteMessage(r -> r.queueUrl(projectorInput).receiptHandle(delivered.get(0).receiptHandle()));
        JsonNode delivery = JsonCodec.parse(delivered.get(0).body());

        // the function failed it past its retries: Lambda's on-failure record goes to TargetDeadLetters
        ObjectNode record = JsonCodec.object();
        record.put("version", "1.0");
        record.put("timestamp", "2026-12-07T10:00:00.000Z");
        record.putObject("requestContext").put("requestId", "e4b46cbf-b738-xmpl-8880-a18cdf61200e")
                .put("functionArn", "arn:aws:lambda:us-east-1:123456789012:function:ops-ops-total-projector:live")
                .put("condition", "RetriesExhausted").put("approximateInvokeCount", 3);
        record.set("requestPayload", delivery);
        record.putObject("responseContext").put("statusCode", 200).put("executedVersion", "1")
                .put("functionError", "Unhandled");
        record.putObject("responsePayload").put("errorMessage", "the view table is throttled")
                .put("errorType", "java.lang.IllegalStateException");
        sqs.sendMessage(r -> r.queueUrl(targetDeadLetters).messageBody(record.toString()));

        String[] where = {"--sqs-queue", targetDeadLetters, "--region", "us-east-1", "--endpoint-url",
                moto.endpoint().toString()};
        AwsTemplateCommandTest.Run listed = AwsTemplateCommandTest.tally(concat(new String[] {"dlq", "list"}, where));
        assertThat(listed.exitCode()).as(listed.err()).isZero();
        assertThat(listed.out()).contains("invocation").contains("function ops-ops-total-projector")
                .contains("ops-counter/c1@1").contains("java.lang.IllegalStateException: the view table is throttled");

        AwsTemplateCommandTest.Run withoutBus = AwsTemplateCommandTest.tally(
                concat(new String[] {"dlq", "redrive", "--all"}, where));
        assertThat(withoutBus.exitCode()).isEqualTo(2);
        assertThat(withoutBus.err()).contains("on-failure record").contains("which bus");
        assertThat(receive(projectorInput)).as("nothing published without a bus").isEmpty();

        AwsTemplateCommandTest.Run redriven = AwsTemplateCommandTest.tally(
                concat(new String[] {"dlq", "redrive", "--all", "--event-bus", bus}, where));
        assertThat(redriven.exitCode()).as(redriven.err()).isZero();
        assertThat(redriven.out()).contains("redriven: 1, still failing: 0");
        List<Message> again = receive(projectorInput);
        assertThat(again).as("the event reaches the projector's rule again").hasSize(1);
        assertThat(JsonCodec.parse(again.get(0).body()).get("detail")).isEqualTo(delivery.get("detail"));
        assertThat(receive(targetDeadLetters)).as("the letter left the queue").isEmpty();
    }

    static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
