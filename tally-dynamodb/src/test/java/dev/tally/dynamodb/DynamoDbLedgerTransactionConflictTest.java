package dev.tally.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.AggregateDefinition;
import dev.tally.core.CommandGroup;
import dev.tally.core.Decider;
import dev.tally.core.EventMetadata;
import dev.tally.core.EventStore;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.command.Command;
import dev.tally.core.command.Decision;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.ledger.OutcomeUnknown;
import dev.tally.core.ledger.VersionConflict;
import dev.tally.testing.TestEvents;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;

/**
 * A group (one TransactWriteItems, here a transfer a@2 plus b@2) whose every try is answered
 * "another transaction is in flight on one of your items", which real DynamoDB does while other
 * writers keep a hot item busy (DynamoDB Local never does). After the resubmissions the ledger
 * must read every item of the group, not only the first: another writer's b@2 means our
 * transaction can never commit, a plain version conflict (reload, decide again), not an unknown
 * outcome.
 */
class DynamoDbLedgerTransactionConflictTest {
    static final String TABLE = "tx-conflict-ledger";

    /** What DynamoDB answers a TransactWriteItems cancelled because an item's transaction is in flight. */
    static final String CANCELLED_BY_CONFLICT = "{\"__type\":\"com.amazonaws.dynamodb.v20120810#"
            + "TransactionCanceledException\",\"message\":\"Transaction cancelled, please refer cancellation reasons"
            + " for specific reasons [None, TransactionConflict]\",\"CancellationReasons\":[{\"Code\":\"None\"},"
            + "{\"Code\":\"TransactionConflict\",\"Message\":\"Transaction is ongoing for the item\"}]}";
    /** The other way DynamoDB reports it (e.g. to a retry of a transaction that is itself still in flight). */
    static final String CONFLICT = "{\"__type\":\"com.amazonaws.dynamodb.v20120810#TransactionConflictException\","
            + "\"message\":\"Transaction is ongoing for the item\"}";

    /**
     * Answers the first {@code conflicts} TransactWriteItems with {@code body} (a 400) without
     * executing them, except that the first one is executed for real (and its answer replaced) when
     * {@code executeFirst}: a try that committed while its answer said conflict. Later transactions
     * and everything else go to DynamoDB Local. {@link #beforeFirst} runs as the first one arrives
     * (another writer getting in while ours is on its way).
     */
    static final class ConflictingTransactions implements SdkHttpClient {
        final SdkHttpClient delegate = UrlConnectionHttpClient.create();
        final String body;
        final boolean executeFirst;
        final int conflicts;
        final AtomicInteger transactions = new AtomicInteger();
        volatile Runnable beforeFirst = () -> { };

        ConflictingTransactions(String body, boolean executeFirst, int conflicts) {
            this.body = body;
            this.executeFirst = executeFirst;
            this.conflicts = conflicts;
        }

        @Override
        public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
            boolean transaction = request.httpRequest().firstMatchingHeader("X-Amz-Target")
                    .map(t -> t.endsWith(".TransactWriteItems")).orElse(false);
            int n = transaction ? transactions.incrementAndGet() : 0;
            if (!transaction || n > conflicts) {
                return delegate.prepareRequest(request);
            }
            ExecutableHttpRequest real = executeFirst && n == 1 ? delegate.prepareRequest(request) : null;
            return new ExecutableHttpRequest() {
                @Override
                public HttpExecuteResponse call() throws IOException {
                    if (n == 1) {
                        beforeFirst.run();
                    }
                    if (real != null) {
                        HttpExecuteResponse committed = real.call();
                        assertThat(committed.httpResponse().statusCode()).as("the first try commits").isEqualTo(200);
                        committed.responseBody().ifPresent(FaultInjectingHttpClient::discard);
                    }
                    return FaultInjectingHttpClient.answer(400, body);
                }

                @Override
                public void abort() {
                    if (real != null) {
                        real.abort();
                    }
                }
            };
        }

        @Override
        public void close() {
            delegate.close();
        }
    }

    sealed interface AccountCommand extends Command<Balance> permits Add {
    }

    /** Adds {@code amount} (negative: takes it away) to the balance. */
    record Add(long amount) implements AccountCommand {
    }

    sealed interface AccountEvent permits Added {
    }

    record Added(long amount) implements AccountEvent {
    }

    record Balance(long total) {
    }

    static final AggregateDefinition<Balance> ACCOUNT = AggregateDefinition.builder("txconflict-account",
            Balance.class, AccountCommand.class, AccountEvent.class,
            Decider.<AccountCommand, AccountEvent, Balance>of(new Balance(0),
                    (c, s) -> Decision.emit(new Added(((Add) c).amount())),
                    (s, e) -> new Balance(s.total() + ((Added) e.payload()).amount())))
            .build();

    final DynamoDbClient raw = DynamoDbLocalTestServer.client();
    final String store = TestEvents.uniqueStore("txconflict");
    DynamoDbClient client;
    ConflictingTransactions http;

    @BeforeEach
    void table() {
        DynamoDbTables.createIfMissing(raw, TableDefinitions.ledger(TABLE));
    }

    @AfterEach
    void closeClient() {
        if (client != null) {
            client.close();
        }
    }

    /** A ledger whose TransactWriteItems are all answered with {@code body}; a@1 and b@1 are stored and known to it. */
    DynamoDbLedger ledgerAnswering(String body, boolean executeFirst) {
        DynamoDbLedger ledger = ledgerThrough(new ConflictingTransactions(body, executeFirst, Integer.MAX_VALUE));
        // single events without a command id are PutItems: they pass through untouched, and the
        // ledger has now seen v1 of both, so the group is two Puts and no gap checks ([None, ...] above)
        ledger.append(List.of(TestEvents.event(store, "a", 1)));
        ledger.append(List.of(TestEvents.event(store, "b", 1)));
        return ledger;
    }

    DynamoDbLedger ledgerThrough(ConflictingTransactions conflicting) {
        http = conflicting;
        client = DynamoDbClient.builder().httpClient(http).region(Region.US_EAST_1)
                .endpointOverride(DynamoDbLocalTestServer.endpoint())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("tallyLocal", "x")))
                .build();
        return new DynamoDbLedger(client, TABLE);
    }

    List<RecordedEvent> transfer() {
        return List.of(TestEvents.event(store, "a", 2, "Debited", JsonCodec.object(), EventMetadata.empty()),
                TestEvents.event(store, "b", 2, "Credited", JsonCodec.object(), EventMetadata.empty()));
    }

    /** Another writer's b@2, stored directly (not through the ledger under test). */
    void rivalStoresB2() {
        new DynamoDbLedger(raw, TABLE).append(List.of(TestEvents.event(store, "b", 2, "RivalCredit",
                JsonCodec.object(), EventMetadata.empty())));
    }

    @Test
    void aCancellationForTransactionConflictOnAnItemAnotherWriterHoldsIsAVersionConflictOnIt() {
        DynamoDbLedger ledger = ledgerAnswering(CANCELLED_BY_CONFLICT, false);
        rivalStoresB2();

        assertThatThrownBy(() -> ledger.append(transfer()))
                .isInstanceOfSatisfying(VersionConflict.class, conflict -> {
                    assertThat(conflict.aggregateId()).isEqualTo("b");
                    assertThat(conflict.attemptedVersion()).isEqualTo(2);
                    assertThat(conflict.existing()).get().extracting(RecordedEvent::type).isEqualTo("RivalCredit");
                });
        assertThat(http.transactions.get()).as("resubmitted before settling").isGreaterThanOrEqualTo(3);
        assertThat(storedItem(store, "a", 2)).as("nothing of ours was written").isEmpty();
    }

    @Test
    void aTransactionConflictExceptionOnAnItemAnotherWriterHoldsIsAVersionConflictOnIt() {
        DynamoDbLedger ledger = ledgerAnswering(CONFLICT, false);
        rivalStoresB2();

        assertThatThrownBy(() -> ledger.append(transfer()))
                .isInstanceOfSatisfying(VersionConflict.class, conflict -> {
                    assertThat(conflict.aggregateId()).isEqualTo("b");
                    assertThat(conflict.existing()).get().extracting(RecordedEvent::type).isEqualTo("RivalCredit");
                });
    }

    @Test
    void theLargestGroupIsSettledByItsLastItem() {
        DynamoDbLedger ledger = ledgerAnswering(CONFLICT, false);
        List<RecordedEvent> group = new ArrayList<>();
        for (int i = 0; i < DynamoDbLedger.MAX_TRANSACTION_ITEMS; i++) {
            group.add(TestEvents.event(store, "opened-" + i, 1));
        }
        new DynamoDbLedger(raw, TABLE).append(List.of(TestEvents.event(store, "opened-99", 1, "RivalOpened",
                JsonCodec.object(), EventMetadata.empty())));

        assertThatThrownBy(() -> ledger.append(group))
                .isInstanceOfSatisfying(VersionConflict.class, conflict -> {
                    assertThat(conflict.aggregateId()).isEqualTo("opened-99");
                    assertThat(conflict.existing()).get().extracting(RecordedEvent::type).isEqualTo("RivalOpened");
                });
    }

    @Test
    void aTransferWhoseCreditMetAnotherWritersTransactionIsDecidedAgain() {
        // what the user sees: the group's append settles as a plain conflict, so CommandGroup reloads
        // b (now holding the rival's credit) and appends after it, instead of failing "unknown"
        ConflictingTransactions conflicting = new ConflictingTransactions(CANCELLED_BY_CONFLICT, false, 3);
        EventStore<Balance> accounts = EventStore.builder(ACCOUNT, ledgerThrough(conflicting)).build();
        EventStore<Balance> rival = EventStore.builder(ACCOUNT, new DynamoDbLedger(raw, TABLE)).build();
        String a = "a-" + UUID.randomUUID();
        String b = "b-" + UUID.randomUUID();
        accounts.execute(a, new Add(100), EventMetadata.empty());
        accounts.execute(b, new Add(100), EventMetadata.empty());
        conflicting.beforeFirst = () -> rival.execute(b, new Add(1000), EventMetadata.empty());

        CommandGroup.GroupResult result = CommandGroup.of().add(accounts, a, new Add(-5)).add(accounts, b, new Add(5))
                .execute(EventMetadata.empty());

        assertThat(result).isInstanceOfSatisfying(CommandGroup.Accepted.class,
                accepted -> assertThat(accepted.attempts()).as("decided again after the conflict").isEqualTo(2));
        assertThat(conflicting.transactions.get()).as("3 tries answered as conflicts, then the second decision")
                .isEqualTo(4);
        assertThat(rival.load(a).state().total()).isEqualTo(95);
        assertThat(rival.load(b).state().total()).isEqualTo(1105);
    }

    @Test
    void aTryThatCommittedWhileAnsweredAsConflictIsSuccess() {
        DynamoDbLedger ledger = ledgerAnswering(CANCELLED_BY_CONFLICT, true);

        ledger.append(transfer());

        assertThat(ledger.read(store, "a", ReadOptions.ALL)).extracting(RecordedEvent::type)
                .containsExactly("Thing1", "Debited");
        assertThat(ledger.read(store, "b", ReadOptions.ALL)).extracting(RecordedEvent::type)
                .containsExactly("Thing1", "Credited");
    }

    @Test
    void whenNoItemOfTheGroupIsStoredTheOutcomeStaysUnknown() {
        // an earlier try may still be in flight and land later: nothing else can be said
        DynamoDbLedger ledger = ledgerAnswering(CANCELLED_BY_CONFLICT, false);

        assertThatThrownBy(() -> ledger.append(transfer())).isInstanceOf(OutcomeUnknown.class);
    }

    @Test
    void anInterruptedAppendWithoutAClearAnswerIsUnknownNotStopped() {
        // a server closing its workers interrupts a command mid-append: the SDK then answers with an abort,
        // after the request may have gone out. The pause between tries must not turn that into "stopped"
        // (which says nothing of the write, and a caller may take for "not applied")
        DynamoDbLedger ledger = ledgerAnswering(CANCELLED_BY_CONFLICT, false);
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> ledger.append(transfer())).isInstanceOf(OutcomeUnknown.class);
        } finally {
            Thread.interrupted(); // the next test's thread is not interrupted
        }
    }

    private Map<String, AttributeValue> storedItem(String store, String id, long version) {
        return raw.getItem(GetItemRequest.builder().tableName(TABLE).consistentRead(true)
                .key(LedgerItems.key(store, id, version)).build()).item();
    }
}
