package dev.tally.cli;

import dev.tally.aws.EventBridgeBus;
import dev.tally.aws.SqsDeadLetters;
import dev.tally.core.AggregateDefinition;
import dev.tally.core.EventStore;
import dev.tally.core.app.TallyApp;
import dev.tally.core.runtime.Dispatcher;
import dev.tally.dynamodb.DynamoDbLedger;
import java.io.PrintWriter;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * {@code tally dlq} against an SQS dead-letter queue on AWS (or any endpoint that speaks SQS):
 * lists its letters, redrives a queue's letters back to their source queue, and a dispatcher's
 * letters through a dispatcher built here over the deployment's ledger table and event bus, the
 * same code the stream function runs. Credentials come from the default AWS chain.
 */
final class SqsDlq {
    /** Where the queue is and what a redrive needs. */
    record Options(String queueUrl, String sourceQueueUrl, String region, URI endpoint, String ledgerTable,
                   String eventBus) {
    }

    private final Options options;
    private final Supplier<List<TallyApp>> apps;
    private SqsClient sqs;

    SqsDlq(Options options, Supplier<List<TallyApp>> apps) {
        this.options = options;
        this.apps = apps;
    }

    private Region region() {
        String r = options.region() != null ? options.region() : System.getenv("AWS_REGION");
        if (r == null || r.isBlank()) {
            throw new IllegalArgumentException("no AWS region: pass --region (or set AWS_REGION)");
        }
        return Region.of(r);
    }

    private <B extends software.amazon.awssdk.awscore.client.builder.AwsClientBuilder<B, C>
            & software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder<B, C>, C> C build(B builder) {
        builder.httpClient(UrlConnectionHttpClient.create()).region(region())
                .credentialsProvider(DefaultCredentialsProvider.builder().build());
        if (options.endpoint() != null) {
            builder.endpointOverride(options.endpoint());
        }
        return builder.build();
    }

    private synchronized SqsClient sqs() {
        if (sqs == null) {
            sqs = build(SqsClient.builder());
        }
        return sqs;
    }

    SqsDeadLetters deadLetters() {
        return new SqsDeadLetters(sqs(), options.queueUrl());
    }

    int list(PrintWriter out) {
        List<SqsDeadLetters.Letter> letters = deadLetters().list();
        if (letters.isEmpty()) {
            out.println("no dead letters in " + options.queueUrl());
        }
        for (SqsDeadLetters.Letter l : letters) {
            out.printf("%s  %-5s %s  %d receive(s)  %s%n", l.id(), l.kind().name().toLowerCase(java.util.Locale.ROOT),
                    l.summary(), l.receiveCount(), l.error());
        }
        return 0;
    }

    /** Redrives one letter ({@code id}) or all ({@code id == null}); prints what happened. */
    int redrive(String id, PrintWriter out) {
        SqsDeadLetters dlq = deadLetters();
        SqsDeadLetters.FeedRedrive feed = letter -> SqsDeadLetters.dispatcherRedrive(dispatcher()).redrive(letter);
        SqsDeadLetters.InvocationRedrive invocation = options.eventBus() == null ? null
                : payload -> SqsDeadLetters.busRedrive(eventBridge(), options.eventBus()).redrive(payload);
        if (id == null) {
            int before = dlq.list().size();
            int ok = dlq.redriveAll(feed, invocation, options.sourceQueueUrl());
            out.println("redriven: " + ok + ", still failing: " + (before - ok));
            return 0;
        }
        boolean ok = dlq.redrive(id, feed, invocation, options.sourceQueueUrl());
        out.println(ok ? "redriven: " + id : "not redriven: " + id + " is not in the queue, or failed again (it stays)");
        return ok ? 0 : 1;
    }

    private Dispatcher dispatcher;
    private EventBridgeClient eventBridge;

    private synchronized EventBridgeClient eventBridge() {
        if (eventBridge == null) {
            eventBridge = build(EventBridgeClient.builder());
        }
        return eventBridge;
    }

    private synchronized Dispatcher dispatcher() {
        if (dispatcher == null) {
            if (options.ledgerTable() == null || options.eventBus() == null) {
                throw new IllegalArgumentException("redriving a dispatcher's dead letter dispatches it again: pass"
                        + " --ledger-table and --event-bus (and --app for your app's stores)");
            }
            DynamoDbClient dynamo = build(DynamoDbClient.builder());
            EventBridgeClient events = eventBridge();
            DynamoDbLedger ledger = new DynamoDbLedger(dynamo, options.ledgerTable());
            List<EventStore<?>> stores = new ArrayList<>();
            for (TallyApp app : apps.get()) {
                for (AggregateDefinition<?> d : app.stores()) {
                    stores.add(EventStore.builder(d, ledger).build());
                }
            }
            dispatcher = new Dispatcher(stores, new EventBridgeBus(events, options.eventBus()));
        }
        return dispatcher;
    }
}
