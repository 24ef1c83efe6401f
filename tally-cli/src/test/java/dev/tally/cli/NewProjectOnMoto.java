package dev.tally.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.aws.StreamRecords;
import dev.tally.aws.app.AppDispatcherFunction;
import dev.tally.aws.app.AppProjectorFunction;
import dev.tally.aws.app.CommandFunction;
import dev.tally.aws.app.QueryFunction;
import dev.tally.aws.deploy.AppTemplate;
import dev.tally.core.app.TallyApp;
import dev.tally.core.json.JsonCodec;
import dev.tally.dynamodb.DynamoDbTables;
import dev.tally.dynamodb.TableDefinitions;
import dev.tally.testing.MotoServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.core.client.builder.SdkSyncClientBuilder;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The app a {@code tally new} project holds, end to end on moto_server (issue 23, item 4): the
 * template rendered for it, its resources created on moto under the template's names, and each
 * function built as the template configures it (its Handler class, its environment with the
 * references resolved to those resources). A request to the command function; the ledger item in
 * moto's DynamoDB; its stream record through the dispatcher function; PutEvents to moto's bus; a rule
 * with the projector's pattern to an SQS queue (moto runs no Lambda function, so the test takes the
 * event from the queue and hands it to the projector function, as the rule would); the view in moto's
 * DynamoDB; the query function answering it.
 */
final class NewProjectOnMoto {
    private final MotoServer moto;
    private final TallyApp app;
    private final JsonNode template;
    private final Map<String, String> refs = new HashMap<>();

    NewProjectOnMoto(MotoServer moto, TallyApp app) {
        this.moto = moto;
        this.app = app;
        this.template = new AppTemplate(app, "app.jar").render();
    }

    private <B extends AwsClientBuilder<B, ?> & SdkSyncClientBuilder<B, ?>> B local(B builder) {
        return builder.region(Region.US_EAST_1).endpointOverride(moto.endpoint())
                .httpClient(UrlConnectionHttpClient.create()).credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(MotoServer.ACCESS_KEY, MotoServer.SECRET_KEY)));
    }

    private JsonNode resource(String logical) {
        JsonNode r = template.path("Resources").path(logical);
        assertThat(r.isMissingNode()).as("the template's resource " + logical).isFalse();
        return r;
    }

    /** A function's environment: Globals and its own variables, references resolved; moto as the endpoint. */
    private Map<String, String> environment(String function) {
        Map<String, String> env = new HashMap<>();
        JsonNode global = template.path("Globals").path("Function").path("Environment").path("Variables");
        JsonNode own = resource(function).path("Properties").path("Environment").path("Variables");
        for (JsonNode vars : List.of(global, own)) {
            for (Iterator<Map.Entry<String, JsonNode>> it = vars.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode v = e.getValue();
                String value;
                if (v.isTextual()) {
                    value = v.asText();
                } else if (v.has("Ref")) {
                    value = refs.get(v.get("Ref").asText());
                } else {
                    value = v.path("Fn::Sub").asText();
                    for (Map.Entry<String, String> ref : refs.entrySet()) {
                        value = value.replace("${" + ref.getKey() + "}", ref.getValue());
                    }
                }
                assertThat(value).as("%s of %s (%s)", e.getKey(), function, v).isNotNull().doesNotContain("${");
                env.put(e.getKey(), value);
            }
        }
        env.remove("JAVA_TOOL_OPTIONS");
        env.put("AWS_REGION", MotoServer.REGION);
        env.put("AWS_ENDPOINT_URL", moto.endpoint().toString());
        return env;
    }

    private String handler(String function) {
        String h = resource(function).path("Properties").path("Handler").asText();
        return h.substring(0, h.indexOf("::"));
    }

    private static APIGatewayV2HTTPEvent request(String method, String path, String body) {
        APIGatewayV2HTTPEvent e = new APIGatewayV2HTTPEvent();
        e.setRawPath(path);
        e.setBody(body);
        e.setHeaders(Map.of("content-type", "application/json"));
        e.setRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
                .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod(method).withPath(path).build())
                .build());
        return e;
    }

    /** The whole chain for one cart: returns the query function's answer for the cart's summary view. */
    JsonNode cartThroughEveryFunction() throws Exception {
        DynamoDbClient dynamo = local(DynamoDbClient.builder()).build();
        DynamoDbStreamsClient streams = local(DynamoDbStreamsClient.builder()).build();
        EventBridgeClient events = local(EventBridgeClient.builder()).build();
        SqsClient sqs = local(SqsClient.builder()).build();

        // the template's resources, under the template's names
        String ledger = resource("LedgerTable").path("Properties").path("TableName").asText();
        DynamoDbTables.createIfMissing(dynamo, TableDefinitions.ledger(ledger));
        refs.put("LedgerTable", ledger);
        String snapshots = resource("SnapshotTable").path("Properties").path("TableName").asText();
        DynamoDbTables.createIfMissing(dynamo, TableDefinitions.snapshots(snapshots));
        refs.put("SnapshotTable", snapshots);
        String view = resource("CartSummaryViewTable").path("Properties").path("TableName").asText();
        DynamoDbTables.createIfMissing(dynamo, TableDefinitions.views(view));
        refs.put("CartSummaryViewTable", view);
        String bus = resource("EventBus").path("Properties").path("Name").asText();
        events.createEventBus(b -> b.name(bus));
        refs.put("EventBus", bus);
        refs.put("DispatcherDeadLetters", sqs.createQueue(b -> b.queueName(app.name() + "-dispatcher-dlq")).queueUrl());
        String projectorQueue = sqs.createQueue(b -> b.queueName(app.name() + "-cart-summary-rule")).queueUrl();
        String queueArn = sqs.getQueueAttributes(b -> b.queueUrl(projectorQueue)
                .attributeNames(QueueAttributeName.QUEUE_ARN)).attributes().get(QueueAttributeName.QUEUE_ARN);
        JsonNode rule = resource("CartSummaryProjectorFunction").path("Properties").path("Events").path("Rule")
                .path("Properties");
        events.putRule(b -> b.name("cart-summary").eventBusName(bus).eventPattern(rule.path("Pattern").toString()));
        events.putTargets(b -> b.rule("cart-summary").eventBusName(bus).targets(t -> t.id("projector").arn(queueArn)));

        // the functions, as the template configures them
        assertThat(handler("CommandFunction")).isEqualTo(CommandFunction.class.getName());
        assertThat(handler("DispatcherFunction")).isEqualTo(AppDispatcherFunction.class.getName());
        assertThat(handler("CartSummaryProjectorFunction")).isEqualTo(AppProjectorFunction.class.getName());
        assertThat(handler("QueryFunction")).isEqualTo(QueryFunction.class.getName());
        CommandFunction command = CommandFunction.fromEnvironment(app, environment("CommandFunction"));
        AppDispatcherFunction dispatcher = new AppDispatcherFunction(app, environment("DispatcherFunction"));
        AppProjectorFunction projector = AppProjectorFunction.fromEnvironment(app,
                environment("CartSummaryProjectorFunction"));
        QueryFunction query = QueryFunction.fromEnvironment(app, environment("QueryFunction"));

        // API Gateway v2 -> the command function -> the ledger item in moto's DynamoDB
        APIGatewayV2HTTPResponse added = command.handleRequest(request("POST",
                "/api/stores/cart/c1/commands/AddItem", "{\"sku\": \"apple\", \"quantity\": 2}"), null);
        assertThat(added.getStatusCode()).as(added.getBody()).isEqualTo(200);
        assertThat(JsonCodec.parse(added.getBody()).path("version").asLong()).isEqualTo(1);
        assertThat(dynamo.scan(b -> b.tableName(ledger)).items()).anySatisfy(item ->
                assertThat(item.get("aggregateId").s()).isEqualTo("c1"));

        // its stream record -> the dispatcher function -> PutEvents -> the projector's rule -> its queue
        String arn = dynamo.describeTable(b -> b.tableName(ledger)).table().latestStreamArn();
        List<DynamodbEvent.DynamodbStreamRecord> records = new ArrayList<>();
        for (var shard : streams.describeStream(b -> b.streamArn(arn)).streamDescription().shards()) {
            String iterator = streams.getShardIterator(b -> b.streamArn(arn).shardId(shard.shardId())
                    .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
            streams.getRecords(b -> b.shardIterator(iterator)).records()
                    .forEach(r -> records.add(StreamRecords.toLambda(r, arn)));
        }
        DynamodbEvent batch = new DynamodbEvent();
        batch.setRecords(records);
        assertThat(dispatcher.handleRequest(batch, null).getBatchItemFailures()).isEmpty();
        List<Message> delivered = sqs.receiveMessage(b -> b.queueUrl(projectorQueue).maxNumberOfMessages(10)
                .waitTimeSeconds(2)).messages();
        assertThat(delivered).as("the event on the projector's rule").hasSize(1);

        // -> the projector function -> the view in moto's DynamoDB
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        projector.handleRequest(new ByteArrayInputStream(delivered.get(0).body().getBytes(StandardCharsets.UTF_8)),
                out, null);
        assertThat(dynamo.scan(b -> b.tableName(view)).items()).hasSize(1);

        // -> the query function answers it
        APIGatewayV2HTTPResponse read = query.handleRequest(request("GET", "/api/views/cart-summary/c1", null), null);
        assertThat(read.getStatusCode()).as(read.getBody()).isEqualTo(200);
        return JsonCodec.parse(read.getBody());
    }
}
