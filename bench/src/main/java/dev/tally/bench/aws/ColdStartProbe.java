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

    private static long ms(long from, long to) {
        return (to - from) / 1_000_000;
    }

    public static void main(String[] args) {
        long t0 = System.nanoTime();
        long[] marks = new long[4];
        HttpClients kind = HttpClients.of(args[1]);
        DynamoDbClient client = kind.dynamoDb(URI.create(args[2]));
        marks[0] = System.nanoTime();
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
            marks[1] = System.nanoTime();
            StreamDispatcherHandler handler = new StreamDispatcherHandler(dispatcher);
            DynamodbEvent batch = new DynamodbEvent();
            batch.setRecords(List.of(StreamRecords.insertOf(JsonCodec.eventFromJson(JsonCodec.parse(args[4])), "1",
                    "arn:aws:dynamodb:us-east-1:000000000000:table/" + args[3] + "/stream/x")));
            marks[2] = System.nanoTime();
            StreamsEventResponse r = handler.handleRequest(batch, null);
            marks[3] = System.nanoTime();
            if (!r.getBatchItemFailures().isEmpty() || published.get() != 1) {
                System.err.println("dispatch failed: " + r.getBatchItemFailures() + ", published " + published);
                System.exit(3);
            }
        }
        System.out.println("done");
        System.out.flush();
        if (args[0].equals("dispatch")) {
            // where the dispatcher's time went, printed after "done" so it is not part of the measurement
            long started = ProcessHandle.current().info().startInstant().map(java.time.Instant::toEpochMilli).orElse(0L);
            long mainAt = System.currentTimeMillis() - (System.nanoTime() - t0) / 1_000_000;
            System.out.println("phases jvm-to-main=" + (mainAt - started) + " sdk-client=" + ms(t0, marks[0])
                    + " app-and-stores=" + ms(marks[0], marks[1]) + " handler-and-record=" + ms(marks[1], marks[2])
                    + " handle(query+publish)=" + ms(marks[2], marks[3]));
            System.out.flush();
        }
        System.exit(0);
    }
}
