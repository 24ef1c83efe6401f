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
import software.amazon.awssdk.services.kms.KmsClient;
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
 * DynamoDB; the query function answering it. Then the cart's personal data
 * ({@link #contactGivenThenForgotten}): the contact written through the command function is sealed in
 * the ledger and the view and revealed by the query function; {@code tally forget cart c1 --region
 * --app JAR}, run as an operator runs it, destroys its key, and afterwards the query function answers
 * {@code "(forgotten)"} for the view and the aggregate while nothing stored holds the address.
 */
final class NewProjectOnMoto {
    private final MotoServer moto;
    private final TallyApp app;
    private final JsonNode template;
    private final Map<String, String> refs = new HashMap<>();
    private DynamoDbClient dynamo;
    private DynamoDbStreamsClient streams;
    private SqsClient sqs;
    private CommandFunction command;
    private AppDispatcherFunction dispatcher;
    private AppProjectorFunction projector;
    private String projectorQueue;

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
                } else if (v.has("Fn::GetAtt")) {
                    value = refs.get(v.get("Fn::GetAtt").get(0).asText() + "." + v.get("Fn::GetAtt").get(1).asText());
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
        dynamo = local(DynamoDbClient.builder()).build();
        streams = local(DynamoDbStreamsClient.builder()).build();
        EventBridgeClient events = local(EventBridgeClient.builder()).build();
        sqs = local(SqsClient.builder()).build();
        KmsClient kms = local(KmsClient.builder()).build();

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
        // the cart's contact is personal data: the template's data-key table and KMS key
        String keys = resource("DataKeysTable").path("Properties").path("TableName").asText();
        DynamoDbTables.createIfMissing(dynamo, TableDefinitions.keyValue(keys));
        refs.put("DataKeysTable", keys);
        refs.put("DataKeysMasterKey.Arn", kms.createKey(b -> b.description(app.name() + " data keys")).keyMetadata()
                .arn());
        String bus = resource("EventBus").path("Properties").path("Name").asText();
        events.createEventBus(b -> b.name(bus));
        refs.put("EventBus", bus);
        refs.put("DispatcherDeadLetters", sqs.createQueue(b -> b.queueName(app.name() + "-dispatcher-dlq")).queueUrl());
        projectorQueue = sqs.createQueue(b -> b.queueName(app.name() + "-cart-summary-rule")).queueUrl();
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
        command = CommandFunction.fromEnvironment(app, environment("CommandFunction"));
        dispatcher = new AppDispatcherFunction(app, environment("DispatcherFunction"));
        projector = AppProjectorFunction.fromEnvironment(app, environment("CartSummaryProjectorFunction"));
        QueryFunction query = QueryFunction.fromEnvironment(app, environment("QueryFunction"));

        // API Gateway v2 -> the command function -> the ledger item in moto's DynamoDB
        APIGatewayV2HTTPResponse added = command.handleRequest(request("POST",
                "/api/stores/cart/c1/commands/AddItem", "{\"sku\": \"apple\", \"quantity\": 2}"), null);
        assertThat(added.getStatusCode()).as(added.getBody()).isEqualTo(200);
        assertThat(JsonCodec.parse(added.getBody()).path("version").asLong()).isEqualTo(1);
        assertThat(dynamo.scan(b -> b.tableName(ledger)).items()).anySatisfy(item ->
                assertThat(item.get("aggregateId").s()).isEqualTo("c1"));

        // its stream record -> the dispatcher function -> PutEvents -> the projector's rule -> its queue
        // -> the projector function -> the view in moto's DynamoDB
        assertThat(streamToView()).as("the event on the projector's rule").isEqualTo(1);
        assertThat(dynamo.scan(b -> b.tableName(view)).items()).hasSize(1);

        // -> the query function answers it
        APIGatewayV2HTTPResponse read = query.handleRequest(request("GET", "/api/views/cart-summary/c1", null), null);
        assertThat(read.getStatusCode()).as(read.getBody()).isEqualTo(200);
        return JsonCodec.parse(read.getBody());
    }

    /**
     * The ledger's stream records so far (from the start: what was dispatched before is sent again, and
     * the view keeps the newer state) through the dispatcher function, and what reaches the projector's
     * queue through the projector function; how many messages it handled.
     */
    private int streamToView() throws Exception {
        String ledger = refs.get("LedgerTable");
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
        int handled = 0;
        while (true) {
            int wait = handled == 0 ? 2 : 1;
            List<Message> delivered = sqs.receiveMessage(b -> b.queueUrl(projectorQueue).maxNumberOfMessages(10)
                    .waitTimeSeconds(wait)).messages();
            if (delivered.isEmpty()) {
                return handled;
            }
            for (Message m : delivered) {
                projector.handleRequest(new ByteArrayInputStream(m.body().getBytes(StandardCharsets.UTF_8)),
                        new ByteArrayOutputStream(), null);
                sqs.deleteMessage(b -> b.queueUrl(projectorQueue).receiptHandle(m.receiptHandle()));
                handled++;
            }
        }
    }

    /**
     * After {@link #cartThroughEveryFunction}: the cart's contact (personal data) through the command
     * function, sealed in every table and revealed by the query function; then {@code tally forget cart c1
     * --region R --app JAR} as an operator runs it (the packaged CLI, credentials and endpoint from its
     * environment), and the address is unreadable: the query function answers "(forgotten)" for the view
     * and the aggregate, the subject's data key is gone, and no table holds the address.
     */
    void contactGivenThenForgotten(java.nio.file.Path appJar) throws Exception {
        String email = "ada.lovelace@example.com";
        APIGatewayV2HTTPResponse given = command.handleRequest(request("POST",
                "/api/stores/cart/c1/commands/GiveContact", "{\"email\": \"" + email + "\"}"), null);
        assertThat(given.getStatusCode()).as(given.getBody()).isEqualTo(200);
        assertThat(streamToView()).as("messages for the cart's two events").isGreaterThanOrEqualTo(1);
        assertThat(tablesHolding(email)).as("tables holding the plain address").isEmpty();
        assertThat(tablesHolding("tally:pii:1:")).as("the sealed address").contains(refs.get("LedgerTable"),
                refs.get("CartSummaryViewTable"));
        QueryFunction reader = QueryFunction.fromEnvironment(app, environment("QueryFunction"));
        JsonNode view = JsonCodec.parse(reader.handleRequest(request("GET", "/api/views/cart-summary/c1", null), null)
                .getBody());
        assertThat(view.path("view").path("contact").asText()).as(view.toString()).isEqualTo(email);
        assertThat(view.path("version").asLong()).isEqualTo(2);

        TallyProcess.Finished forgot = TallyProcess.run(Map.of("AWS_ENDPOINT_URL", moto.endpoint().toString(),
                "AWS_ACCESS_KEY_ID", MotoServer.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", MotoServer.SECRET_KEY), "forget",
                "cart", "c1", "--region", MotoServer.REGION, "--app", appJar.toString());
        assertThat(forgot.exitCode()).as(forgot.output()).isZero();
        assertThat(forgot.output()).contains("forgot the personal data of cart/c1 (audit event at version 3")
                .contains("dynamodb:" + refs.get("LedgerTable"));
        assertThat(dynamo.scan(b -> b.tableName(refs.get("DataKeysTable"))).items()).as("the cart's data key").isEmpty();
        streamToView();

        // a query function started after the forget (a warm one forgets when its key cache's time runs out)
        QueryFunction fresh = QueryFunction.fromEnvironment(app, environment("QueryFunction"));
        JsonNode after = JsonCodec.parse(fresh.handleRequest(request("GET", "/api/views/cart-summary/c1", null), null)
                .getBody());
        assertThat(after.path("version").asLong()).as("the view refreshed at the audit event: " + after).isEqualTo(3);
        assertThat(after.path("view").path("contact").asText()).isEqualTo("(forgotten)");
        assertThat(after.path("view").path("items").asInt()).as("clear fields intact").isEqualTo(2);
        JsonNode cart = JsonCodec.parse(fresh.handleRequest(request("GET", "/api/stores/cart/c1/aggregate", null), null)
                .getBody());
        assertThat(cart.toString()).contains("\"contact\":\"(forgotten)\"").doesNotContain(email)
                .doesNotContain("tally:pii:");
        assertThat(tablesHolding(email)).as("tables holding the plain address").isEmpty();
    }

    /** The tables (of those made here) with an item whose text holds {@code text}. */
    private List<String> tablesHolding(String text) {
        List<String> out = new ArrayList<>();
        for (String table : dynamo.listTables().tableNames()) {
            if (dynamo.scan(b -> b.tableName(table)).items().stream().anyMatch(i -> i.toString().contains(text))) {
                out.add(table);
            }
        }
        return out;
    }
}
