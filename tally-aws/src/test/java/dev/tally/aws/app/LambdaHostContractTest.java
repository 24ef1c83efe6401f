package dev.tally.aws.app;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import dev.tally.aws.StreamDispatcherHandler;
import dev.tally.aws.StreamRecords;
import dev.tally.core.EventStore;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.message.Message;
import dev.tally.core.message.MessageHandler;
import dev.tally.core.runtime.Dispatcher;
import dev.tally.dynamodb.DynamoDbLocalTestServer;
import dev.tally.dynamodb.DynamoDbProjectionWriter;
import dev.tally.dynamodb.DynamoDbTables;
import dev.tally.dynamodb.TableDefinitions;
import dev.tally.testing.http.HostContract;
import dev.tally.testing.http.LibraryApp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The Lambda functions keep the HTTP contract: {@link CommandFunction} and {@link QueryFunction}
 * serving {@link LibraryApp} on DynamoDB Local, fed API Gateway HTTP API (v2) events the way the
 * generated template routes them (writes to the command function, reads to the query function);
 * views follow through the stream dispatcher and the projector function.
 */
class LambdaHostContractTest extends HostContract {
    private static final DynamoDbClient CLIENT = DynamoDbLocalTestServer.client();
    private static final String SUFFIX = UUID.randomUUID().toString().substring(0, 8);
    private static final String LEDGER = "ledger-" + SUFFIX;
    private static final String SNAPSHOTS = "snapshots-" + SUFFIX;
    private static final String VIEWS = "availability-" + SUFFIX;
    private static final LibraryApp APP = new LibraryApp();
    private static CommandFunction commands;
    private static QueryFunction queries;

    @BeforeAll
    static void functions() {
        DynamoDbTables.createIfMissing(CLIENT, TableDefinitions.ledger(LEDGER));
        DynamoDbTables.createIfMissing(CLIENT, TableDefinitions.snapshots(SNAPSHOTS));
        DynamoDbTables.createIfMissing(CLIENT, TableDefinitions.views(VIEWS));
        commands = new CommandFunction(stores(AppFunctions.Snapshots.READ_WRITE));
        queries = new QueryFunction(stores(AppFunctions.Snapshots.READ_ONLY), Map.of(LibraryApp.AVAILABILITY.name(),
                new DynamoDbProjectionWriter<>(CLIENT, VIEWS, LibraryApp.Availability.class)),
                QueryFunction.viewStores(APP), new dev.tally.dynamodb.DynamoDbEventQueries(CLIENT, LEDGER));
    }

    @org.junit.jupiter.api.Test
    void theQueryFunctionFindsTheEventsOfARequestAndItsTrace() throws Exception {
        String corr = "corr-" + SUFFIX;
        @SuppressWarnings("unchecked")
        EventStore<LibraryApp.Book> books = (EventStore<LibraryApp.Book>) stores(AppFunctions.Snapshots.READ_ONLY)
                .get("book");
        books.execute("traced-" + SUFFIX, new LibraryApp.Shelve("Dune", 2, null, null, null, List.of(), false),
                dev.tally.core.EventMetadata.of(corr, "command-" + SUFFIX, "test"));

        Answer events = send("GET", "/api/events?correlationId=" + corr, Map.of(), null);
        org.assertj.core.api.Assertions.assertThat(events.status()).as(events.body()).isEqualTo(200);
        org.assertj.core.api.Assertions.assertThat(events.body()).contains("\"aggregateId\":\"traced-" + SUFFIX)
                .contains(corr);
        Answer trace = send("GET", "/api/trace/" + corr + "?format=text", Map.of(), null);
        org.assertj.core.api.Assertions.assertThat(trace.status()).as(trace.body()).isEqualTo(200);
        org.assertj.core.api.Assertions.assertThat(trace.body()).startsWith("trace " + corr + ": 1 event\n")
                .contains("request command-" + SUFFIX + " -> book/traced-" + SUFFIX);
        org.assertj.core.api.Assertions.assertThat(send("GET", "/api/events", Map.of(), null).status())
                .isEqualTo(400);
    }

    private static Map<String, EventStore<?>> stores(AppFunctions.Snapshots snapshots) {
        return AppFunctions.stores(APP, CLIENT, LEDGER, SNAPSHOTS, snapshots);
    }

    @Override
    protected Answer send(String method, String path, Map<String, String> headers, String body) {
        int q = path.indexOf('?');
        APIGatewayV2HTTPEvent e = new APIGatewayV2HTTPEvent();
        e.setRawPath(q < 0 ? path : path.substring(0, q));
        e.setRawQueryString(q < 0 ? "" : path.substring(q + 1));
        e.setBody(body);
        // API Gateway lower-cases header names
        Map<String, String> lower = new java.util.HashMap<>();
        headers.forEach((k, v) -> lower.put(k.toLowerCase(java.util.Locale.ROOT), v));
        e.setHeaders(lower);
        e.setRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
                .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod(method).withPath(path).build())
                .build());
        APIGatewayV2HTTPResponse r = "GET".equals(method) ? queries.handleRequest(e, null)
                : commands.handleRequest(e, null);
        return new Answer(r.getStatusCode(), r.getHeaders(), r.getBody());
    }

    /** What the stream and the dispatcher and projector functions do for the book's events. */
    @Override
    protected void awaitViews(String bookId) {
        List<RecordedEvent> events = stores(AppFunctions.Snapshots.READ_ONLY).get("book").read(bookId, ReadOptions.ALL);
        List<DynamodbEvent.DynamodbStreamRecord> records = new ArrayList<>();
        for (RecordedEvent e : events) {
            records.add(StreamRecords.insertOf(e, Long.toString(100 + e.version()), "arn"));
        }
        List<Message> published = new ArrayList<>();
        StreamDispatcherHandler dispatcher = new StreamDispatcherHandler(new Dispatcher(
                List.copyOf(stores(AppFunctions.Snapshots.READ_ONLY).values()), published::addAll));
        DynamodbEvent batch = new DynamodbEvent();
        batch.setRecords(records);
        if (!dispatcher.handleRequest(batch, null).getBatchItemFailures().isEmpty()) {
            throw new AssertionError("the dispatcher failed records of " + bookId);
        }
        MessageHandler projector = AppProjectorFunction.projector(APP, CLIENT, LibraryApp.AVAILABILITY.name(), VIEWS);
        for (Message m : published) {
            try {
                projector.handle(m);
            } catch (Exception ex) {
                throw new AssertionError(ex);
            }
        }
    }
}
