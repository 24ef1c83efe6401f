package dev.tally.aws.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.aws.StreamDispatcherHandler;
import dev.tally.aws.StreamRecords;
import dev.tally.core.EventStore;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.message.Message;
import dev.tally.core.message.MessageHandler;
import dev.tally.core.projection.ViewReader;
import dev.tally.core.runtime.Dispatcher;
import dev.tally.dynamodb.DynamoDbLocalTestServer;
import dev.tally.dynamodb.DynamoDbProjectionWriter;
import dev.tally.dynamodb.DynamoDbTables;
import dev.tally.dynamodb.TableDefinitions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;

/**
 * The generic command, query, dispatcher and projector functions of an app, end to end on a real
 * DynamoDB Local: an HTTP API command in, the ledger, the stream records the dispatcher reads, the
 * projector's view write, and the view and aggregate read back through the query function.
 */
class AppFunctionsTest {
    final DynamoDbClient client = DynamoDbLocalTestServer.client();
    final String suffix = UUID.randomUUID().toString().substring(0, 8);
    final String ledgerTable = "ledger-" + suffix;
    final String snapshotTable = "snapshots-" + suffix;
    final String viewTable = "meter-total-" + suffix;
    final MeterApp app = new MeterApp();
    CommandFunction commands;
    QueryFunction queries;

    @BeforeEach
    void tables() {
        DynamoDbTables.createIfMissing(client, TableDefinitions.ledger(ledgerTable));
        DynamoDbTables.createIfMissing(client, TableDefinitions.snapshots(snapshotTable));
        DynamoDbTables.createIfMissing(client, TableDefinitions.views(viewTable));
        commands = new CommandFunction(stores(AppFunctions.Snapshots.READ_WRITE));
        queries = new QueryFunction(stores(AppFunctions.Snapshots.READ_ONLY), Map.of(MeterApp.TOTAL.name(),
                new DynamoDbProjectionWriter<>(client, viewTable, MeterApp.TotalView.class)));
    }

    Map<String, EventStore<?>> stores(AppFunctions.Snapshots snapshots) {
        return AppFunctions.stores(app, client, ledgerTable, snapshotTable, snapshots);
    }

    static APIGatewayV2HTTPEvent request(String method, String path, String body, Map<String, String> headers) {
        APIGatewayV2HTTPEvent e = new APIGatewayV2HTTPEvent();
        e.setRawPath(path);
        e.setBody(body);
        e.setHeaders(headers);
        e.setRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
                .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod(method).withPath(path).build())
                .build());
        return e;
    }

    APIGatewayV2HTTPResponse command(String id, String name, String body, Map<String, String> headers) {
        return commands.handleRequest(request("POST", "/api/stores/meter/" + id + "/commands/" + name, body,
                headers), null);
    }

    static JsonNode json(APIGatewayV2HTTPResponse r) {
        return JsonCodec.parse(r.getBody());
    }

    @Test
    void aCommandThroughTheHttpApiAppendsToTheLedgerAndTheViewFollowsThroughDispatcherAndProjector() {
        APIGatewayV2HTTPResponse first = command("m1", "Add", "{\"amount\": 5}", Map.of());
        assertThat(first.getStatusCode()).as(first.getBody()).isEqualTo(200);
        assertThat(json(first).get("aggregateId").asText()).isEqualTo("m1");
        assertThat(json(first).get("version").asLong()).isEqualTo(1);
        assertThat(command("m1", "Add", "{\"amount\": 7}", Map.of()).getStatusCode()).isEqualTo(200);

        // the stream records of what the command appended, as Lambda would hand them to the dispatcher
        EventStore<?> ledger = stores(AppFunctions.Snapshots.READ_ONLY).get("meter");
        List<RecordedEvent> events = ledger.read("m1", ReadOptions.ALL);
        assertThat(events).hasSize(2);
        List<DynamodbEvent.DynamodbStreamRecord> records = new ArrayList<>();
        for (RecordedEvent e : events) {
            records.add(StreamRecords.insertOf(e, Long.toString(100 + e.version()), "arn"));
        }
        List<Message> published = new ArrayList<>();
        StreamDispatcherHandler dispatcher = new StreamDispatcherHandler(new Dispatcher(
                List.copyOf(stores(AppFunctions.Snapshots.READ_ONLY).values()), published::addAll));
        DynamodbEvent batch = new DynamodbEvent();
        batch.setRecords(records);
        StreamsEventResponse r = dispatcher.handleRequest(batch, null);
        assertThat(r.getBatchItemFailures()).isEmpty();
        assertThat(published).hasSize(2);

        MessageHandler projector = AppProjectorFunction.projector(app, client, "meter-total", viewTable);
        // delivered out of order and twice: the view ends at the newest state
        for (Message m : List.of(published.get(1), published.get(0), published.get(1))) {
            try {
                projector.handle(m);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }

        APIGatewayV2HTTPResponse view = queries.handleRequest(request("GET", "/api/views/meter-total/m1", null,
                Map.of()), null);
        assertThat(view.getStatusCode()).as(view.getBody()).isEqualTo(200);
        assertThat(json(view).get("version").asLong()).isEqualTo(2);
        assertThat(json(view).get("view").get("total").asLong()).isEqualTo(12);

        APIGatewayV2HTTPResponse aggregate = queries.handleRequest(request("GET", "/api/stores/meter/m1/aggregate",
                null, Map.of()), null);
        assertThat(json(aggregate).get("state").get("total").asLong()).isEqualTo(12);
        APIGatewayV2HTTPEvent atOne = request("GET", "/api/stores/meter/m1/aggregate", null, Map.of());
        atOne.setQueryStringParameters(Map.of("atVersion", "1"));
        assertThat(json(queries.handleRequest(atOne, null)).get("state").get("total").asLong()).isEqualTo(5);
    }

    @Test
    void refusalsAreClearAndWriteNothing() {
        APIGatewayV2HTTPResponse rejected = command("m2", "Add", "{\"amount\": 0}", Map.of());
        assertThat(rejected.getStatusCode()).isEqualTo(422);
        assertThat(json(rejected).get("error").asText()).isEqualTo("not_positive");

        APIGatewayV2HTTPResponse badField = command("m2", "Add", "{\"amount\": \"lots\"}", Map.of());
        assertThat(badField.getStatusCode()).isEqualTo(400);
        assertThat(json(badField).get("message").asText()).contains("field 'amount'");

        APIGatewayV2HTTPResponse unknownField = command("m2", "Add", "{\"amount\": 1, \"extra\": 2}", Map.of());
        assertThat(unknownField.getStatusCode()).isEqualTo(400);

        APIGatewayV2HTTPResponse notJson = command("m2", "Add", "{amount", Map.of());
        assertThat(json(notJson).get("error").asText()).isEqualTo("invalid_json");

        APIGatewayV2HTTPResponse unknown = command("m2", "Subtract", "{}", Map.of());
        assertThat(unknown.getStatusCode()).isEqualTo(404);
        assertThat(json(unknown).get("message").asText()).contains("[Add]");

        APIGatewayV2HTTPResponse badId = command("m%2F2", "Add", "{\"amount\": 1}", Map.of());
        assertThat(badId.getStatusCode()).isEqualTo(400);

        APIGatewayV2HTTPResponse wrongMethod = commands.handleRequest(request("GET",
                "/api/stores/meter/m2/commands/Add", null, Map.of()), null);
        assertThat(wrongMethod.getStatusCode()).isEqualTo(405);

        assertThat(stores(AppFunctions.Snapshots.READ_ONLY).get("meter").read("m2", ReadOptions.ALL)).isEmpty();
        APIGatewayV2HTTPResponse noView = queries.handleRequest(request("GET", "/api/views/meter-total/m2", null,
                Map.of()), null);
        assertThat(noView.getStatusCode()).isEqualTo(404);
        APIGatewayV2HTTPResponse noAggregate = queries.handleRequest(request("GET", "/api/stores/meter/m2/aggregate",
                null, Map.of()), null);
        assertThat(noAggregate.getStatusCode()).isEqualTo(404);
    }

    @Test
    void aRetriedRequestWithTheSameIdempotencyKeyAppliesOnce() {
        Map<String, String> key = Map.of("idempotency-key", "req-42");
        assertThat(command("m3", "Add", "{\"amount\": 3}", key).getStatusCode()).isEqualTo(200);
        APIGatewayV2HTTPResponse again = command("m3", "Add", "{\"amount\": 3}", key);
        assertThat(again.getStatusCode()).as(again.getBody()).isEqualTo(200);
        assertThat(json(again).get("version").asLong()).isEqualTo(1);
        assertThat(command("m3", "Add", "{\"amount\": 3}", Map.of("Idempotency-Key", "req-43")).getStatusCode())
                .isEqualTo(200);
        assertThat(stores(AppFunctions.Snapshots.READ_ONLY).get("meter").read("m3", ReadOptions.ALL)).hasSize(2);
    }

    @Test
    void aCommandKeepsTheCallersCorrelationIdAndTraceparentAsServeDoes() {
        String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        APIGatewayV2HTTPResponse r = command("m5", "Add", "{\"amount\": 2}",
                Map.of("x-correlation-id", "corr-m5", "traceparent", traceparent));
        assertThat(r.getStatusCode()).as(r.getBody()).isEqualTo(200);
        assertThat(r.getHeaders()).containsEntry("X-Correlation-Id", "corr-m5");
        RecordedEvent stored = stores(AppFunctions.Snapshots.READ_ONLY).get("meter").read("m5", ReadOptions.ALL).get(0);
        assertThat(stored.metadata().correlationId()).isEqualTo("corr-m5");
        assertThat(stored.metadata().causationId()).isNotNull();
        assertThat(stored.metadata().attributes()).containsEntry("traceparent", traceparent);

        APIGatewayV2HTTPResponse refused = command("m6", "Add", "{\"amount\": 2}", Map.of("x-correlation-id", "has space"));
        assertThat(refused.getStatusCode()).isEqualTo(400);
        assertThat(json(refused).get("error").asText()).isEqualTo("invalid_correlation_id");
        assertThat(stores(AppFunctions.Snapshots.READ_ONLY).get("meter").read("m6", ReadOptions.ALL)).isEmpty();
    }

    @Test
    void onlyTheCommandSideWritesSnapshots() {
        // what lets the template deny the dispatcher, projectors and queries PutItem on the snapshot table
        EventStore<?> readOnly = stores(AppFunctions.Snapshots.READ_ONLY).get("meter");
        for (int i = 0; i < AppFunctions.SNAPSHOT_EVERY + 5; i++) {
            assertThat(command("m4", "Add", "{\"amount\": 1}", Map.of()).getStatusCode()).isEqualTo(200);
        }
        long afterCommands = snapshotCount();
        assertThat(afterCommands).as("the command side snapshots every " + AppFunctions.SNAPSHOT_EVERY).isEqualTo(1);
        readOnly.loadAt("m4", AppFunctions.SNAPSHOT_EVERY + 5);
        readOnly.load("m4");
        assertThat(snapshotCount()).isEqualTo(afterCommands);
    }

    long snapshotCount() {
        return client.scan(ScanRequest.builder().tableName(snapshotTable).consistentRead(true).build()).count();
    }

    @Test
    void theAppIsFoundInTheJarAndAWrongNameIsNamed() {
        assertThat(AppFunctions.findApp((String) null).name()).isEqualTo("meter");
        assertThat(AppFunctions.findApp("meter").name()).isEqualTo("meter");
        assertThatThrownBy(() -> AppFunctions.findApp("bank")).hasMessageContaining("TALLY_APP is 'bank'")
                .hasMessageContaining("[meter]");
        assertThatThrownBy(() -> AppFunctions.projection(app, "nope")).hasMessageContaining("[meter-total]");
        Map<String, String> env = new HashMap<>(Map.of("AWS_REGION", "us-east-1", "TALLY_VIEW_TABLES", "other=x"));
        assertThatThrownBy(() -> QueryFunction.viewReaders(app, new dev.tally.aws.TallyEnvironment(env),
                env.get("TALLY_VIEW_TABLES"))).hasMessageContaining("no table for projection 'meter-total'");
    }
}
