package dev.tally.bench.aws;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import dev.tally.aws.StreamDispatcherHandler;
import dev.tally.aws.StreamRecords;
import dev.tally.aws.app.AppFunctions;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.runtime.Dispatcher;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;

/**
 * What {@link ColdStartBenchmark} starts in a fresh JVM, on the Lambda jar's classpath:
 *
 * <pre>
 * bare     CLIENT ENDPOINT TABLE PK          one GetItem with a bare SDK client, then "done"
 * dispatch CLIENT ENDPOINT TABLE EVENT_JSON  the dispatcher handler class (the app found in the jar, its
 *                                            stores over the ledger) handles one stream batch, then "done"
 * </pre>
 */
public final class ColdStartProbe {
    private ColdStartProbe() {
    }

    public static void main(String[] args) {
        HttpClients kind = HttpClients.of(args[1]);
        DynamoDbClient client = kind.dynamoDb(URI.create(args[2]));
        if (args[0].equals("bare")) {
            var item = client.getItem(GetItemRequest.builder().tableName(args[3])
                    .key(Map.of("pk", AttributeValue.fromS(args[4]), "version", AttributeValue.fromN("1"))).build());
            if (!item.hasItem()) {
                System.err.println("no item " + args[4]);
                System.exit(2);
            }
        } else {
            AtomicInteger published = new AtomicInteger();
            Dispatcher dispatcher = new Dispatcher(List.copyOf(AppFunctions.stores(AppFunctions.findApp((String) null),
                    client, args[3], null, AppFunctions.Snapshots.READ_ONLY).values()),
                    messages -> published.addAndGet(messages.size()));
            StreamDispatcherHandler handler = new StreamDispatcherHandler(dispatcher);
            DynamodbEvent batch = new DynamodbEvent();
            batch.setRecords(List.of(StreamRecords.insertOf(JsonCodec.eventFromJson(JsonCodec.parse(args[4])), "1",
                    "arn:aws:dynamodb:us-east-1:000000000000:table/" + args[3] + "/stream/x")));
            StreamsEventResponse r = handler.handleRequest(batch, null);
            if (!r.getBatchItemFailures().isEmpty() || published.get() != 1) {
                System.err.println("dispatch failed: " + r.getBatchItemFailures() + ", published " + published);
                System.exit(3);
            }
        }
        System.out.println("done");
        System.out.flush();
        System.exit(0);
    }
}
