package dev.tally.examples.orders.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.aws.SchedulerTimers;
import dev.tally.aws.app.AppFunctions;
import dev.tally.aws.app.SagaFunction;
import dev.tally.core.EventMetadata;
import dev.tally.core.EventStore;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.message.Message;
import dev.tally.core.message.MessageCodec;
import dev.tally.core.runtime.Dispatcher;
import dev.tally.dynamodb.DynamoDbLedger;
import dev.tally.dynamodb.DynamoDbLocalTestServer;
import dev.tally.dynamodb.DynamoDbTables;
import dev.tally.dynamodb.TableDefinitions;
import dev.tally.examples.bank.Account;
import dev.tally.examples.bank.BankAccount;
import dev.tally.examples.bank.Credit;
import dev.tally.examples.orders.Inventory;
import dev.tally.examples.orders.Order;
import dev.tally.examples.orders.OrderSaga;
import dev.tally.examples.orders.OrdersApp;
import dev.tally.testing.MotoServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.scheduler.SchedulerClient;
import software.amazon.awssdk.services.scheduler.model.CreateScheduleGroupRequest;
import software.amazon.awssdk.services.scheduler.model.GetScheduleRequest;
import software.amazon.awssdk.services.scheduler.model.ListSchedulesRequest;
import software.amazon.awssdk.services.scheduler.model.ScheduleSummary;
import software.amazon.event.ruler.Machine;

/**
 * The order saga as the Lambda function {@link SagaFunction}, on a real DynamoDB Local ledger, with
 * its timers as EventBridge Scheduler schedules on moto_server. The messages the function gets are
 * the dispatcher's state-carrying messages of what the ledger holds, in EventBridge envelopes,
 * selected by the rendered rule's pattern with AWS's event-ruler (what the saga observes, or its own
 * store), each delivered twice (at least once). A fired timer is the input moto stored for the schedule, as Scheduler would
 * hand it to the function (moto does not fire schedules).
 */
class OrderSagaFunctionTest {
    static final String FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:orders-order-saga:live";
    static final String ROLE = "arn:aws:iam::123456789012:role/orders-order-saga-scheduler";
    static MotoServer moto;

    final DynamoDbClient client = DynamoDbLocalTestServer.client();
    final String suffix = UUID.randomUUID().toString().substring(0, 8);
    final String ledgerTable = "orders-ledger-" + suffix;
    final String snapshotTable = "orders-snapshots-" + suffix;
    final String group = "orders-timers-" + suffix;
    final OrdersOnAws app = new OrdersOnAws();
    SchedulerClient scheduler;
    SchedulerTimers timers;
    Map<String, EventStore<?>> stores;
    Dispatcher dispatcher;
    final Set<String> delivered = new HashSet<>();

    @BeforeAll
    static void startMoto() {
        moto = MotoServer.startOrSkip();
    }

    @AfterAll
    static void stopMoto() {
        if (moto != null) {
            moto.close();
        }
    }

    @BeforeEach
    void setUp() {
        DynamoDbTables.createIfMissing(client, TableDefinitions.ledger(ledgerTable));
        DynamoDbTables.createIfMissing(client, TableDefinitions.snapshots(snapshotTable));
        scheduler = SchedulerClient.builder().httpClient(UrlConnectionHttpClient.create())
                .region(Region.of(MotoServer.REGION)).endpointOverride(moto.endpoint())
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(MotoServer.ACCESS_KEY, MotoServer.SECRET_KEY))).build();
        scheduler.createScheduleGroup(CreateScheduleGroupRequest.builder().name(group).build());
        timers = new SchedulerTimers(scheduler, new SchedulerTimers.Config(group, FUNCTION, ROLE));
        // the command function's stores (it funds accounts, restocks and places orders), and the saga's instances
        stores = new LinkedHashMap<>(AppFunctions.stores(app, client, ledgerTable, snapshotTable,
                AppFunctions.Snapshots.READ_WRITE));
        stores.put(OrderSaga.NAME, EventStore.builder(OrderSaga.SAGA.definition(),
                new DynamoDbLedger(client, ledgerTable)).build());
        dispatcher = new Dispatcher(List.copyOf(stores.values()), messages -> { });
    }

    SagaFunction function(dev.tally.core.app.TallyApp app, Clock clock) {
        return new SagaFunction(app, OrderSaga.NAME, client, ledgerTable, snapshotTable, timers, clock);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    void command(String store, String id, dev.tally.core.command.Command<?> c) {
        ((EventStore) stores.get(store)).execute(id, (dev.tally.core.command.Command) c, EventMetadata.empty());
    }

    static void invoke(SagaFunction f, String json) throws Exception {
        f.handleRequest(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), new ByteArrayOutputStream(),
                null);
    }

    static ObjectNode envelope(Message m) {
        ObjectNode e = JsonCodec.object();
        e.put("version", "0").put("id", m.id()).put("detail-type", m.eventType()).put("source", m.store());
        e.set("detail", MessageCodec.toJson(m));
        return e;
    }

    /** The saga's rule as the template renders it, matched by AWS's event-ruler. */
    static final Machine RULE = new Machine();

    static {
        try {
            RULE.addRule("order-saga", OrdersTemplate.render().get("Resources").get("OrderSagaFunction")
                    .get("Properties").get("Events").get("Rule").get("Properties").get("Pattern").toString());
        } catch (Exception e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** What the saga's rule lets through: what it observes, or the state of its own instances. */
    static boolean ruleMatches(ObjectNode envelope) throws Exception {
        return !RULE.rulesForJSONEvent(envelope.toString()).isEmpty();
    }

    /**
     * Delivers every event of these aggregates not delivered yet (twice each), as the dispatcher and
     * the rule would, until the ledger holds nothing new; returns how many messages the function took.
     */
    int pump(SagaFunction f, String orderId, String sku, String accountId) throws Exception {
        int taken = 0;
        for (int round = 0; round < 100; round++) {
            List<RecordedEvent> fresh = new ArrayList<>();
            for (String[] a : List.of(new String[] {Order.STORE, orderId}, new String[] {Inventory.STORE, sku},
                    new String[] {BankAccount.STORE, accountId}, new String[] {OrderSaga.NAME, orderId})) {
                for (RecordedEvent e : stores.get(a[0]).read(a[1], ReadOptions.ALL)) {
                    if (delivered.add(a[0] + "/" + a[1] + "/" + e.version())) {
                        fresh.add(e);
                    }
                }
            }
            if (fresh.isEmpty()) {
                return taken;
            }
            for (RecordedEvent e : fresh) {
                Message m = dispatcher.messageFor(e);
                ObjectNode envelope = envelope(m);
                if (ruleMatches(envelope)) {
                    String json = envelope.toString();
                    invoke(f, json);
                    invoke(f, json); // at least once: a redelivery changes nothing
                    taken++;
                }
            }
        }
        throw new AssertionError("the saga did not settle in 100 rounds");
    }

    Order.State order(String id) {
        return (Order.State) stores.get(Order.STORE).load(id).state();
    }

    Inventory.Stock stock(String sku) {
        return (Inventory.Stock) stores.get(Inventory.STORE).load(sku).state();
    }

    long balance(String account) {
        return ((Account) stores.get(BankAccount.STORE).load(account).state()).balance();
    }

    List<ScheduleSummary> schedules() {
        return scheduler.listSchedules(ListSchedulesRequest.builder().groupName(group).build()).schedules();
    }

    @Test
    void anOrderPlacedIsConfirmedByTheSagaFunctionAndItsDeadlineScheduleIsDeleted() throws Exception {
        command(Inventory.STORE, "apple", new Inventory.Restock(10));
        command(BankAccount.STORE, "alice", new Credit(1_000));
        command(Order.STORE, "o1", new Order.Place("alice", List.of(new Order.Line("apple", 2, 150)), 60));

        int taken = pump(function(app, Clock.systemUTC()), "o1", "apple", "alice");

        assertThat(taken).as("OrderPlaced and the saga's own events reached the function").isGreaterThan(1);
        assertThat(order("o1").status()).isEqualTo(Order.Status.CONFIRMED);
        assertThat(stock("apple").available()).isEqualTo(8);
        assertThat(stock("apple").sold()).isEqualTo(2);
        assertThat(stock("apple").reserved()).isZero();
        assertThat(balance("alice")).as("debited once, whatever the redeliveries").isEqualTo(700);
        assertThat(schedules()).as("the deadline was scheduled, then deleted once the order was confirmed").isEmpty();
        assertThat(stores.get(OrderSaga.NAME).load("o1").exists()).isTrue();
    }

    @Test
    void aFiredTimerCancelsAnOrderStuckBeforeItsPaymentAndCompensatesOnce() throws Exception {
        command(Inventory.STORE, "pear", new Inventory.Restock(10));
        command(BankAccount.STORE, "bob", new Credit(1_000));
        command(Order.STORE, "o2", new Order.Place("bob", List.of(new Order.Line("pear", 3, 100)), 60));

        // a function without the bank's store (the orders app alone) cannot take the payment: it reserves the
        // stock, sets the deadline, and fails the invocation at the debit, as an unreachable bank would
        SagaFunction stuck = function(new OrdersApp(), Clock.systemUTC());
        assertThatThrownBy(() -> pump(stuck, "o2", "pear", "bob"))
                .hasMessageContaining("bank-account");
        assertThat(stock("pear").reserved()).isEqualTo(3);
        assertThat(order("o2").status()).isEqualTo(Order.Status.PENDING);

        List<ScheduleSummary> pending = schedules();
        assertThat(pending).as("the deadline is a schedule in the saga's group").hasSize(1);
        String input = scheduler.getSchedule(GetScheduleRequest.builder().groupName(group)
                .name(pending.get(0).name()).build()).target().input();
        assertThat(input).contains("\"tally\":\"timer\"").contains("\"sagaId\":\"o2\"");

        // Scheduler fires it after the deadline (twice: at least once); the function reacts
        Clock later = Clock.fixed(Instant.now().plus(Duration.ofMinutes(10)), ZoneOffset.UTC);
        SagaFunction f = function(app, later);
        invoke(f, input);
        invoke(f, input);
        pump(f, "o2", "pear", "bob");

        assertThat(order("o2").status()).isEqualTo(Order.Status.CANCELLED);
        assertThat(order("o2").reason()).isEqualTo("timeout");
        assertThat(stock("pear").reserved()).as("the reservation was released").isZero();
        assertThat(stock("pear").available()).isEqualTo(10);
        assertThat(balance("bob")).as("never debited").isEqualTo(1_000);
        assertThat(stores.get(Inventory.STORE).read("pear", ReadOptions.ALL).stream()
                .filter(e -> e.type().equals("StockReleased")).count()).as("released once").isEqualTo(1);
    }

    @Test
    @SuppressWarnings("unchecked")
    void whatAnOrderCausesCarriesItsCorrelationIdThroughTheFunctionAndItsScheduledTimer() throws Exception {
        command(Inventory.STORE, "fig", new Inventory.Restock(10));
        command(BankAccount.STORE, "cora", new Credit(1_000));
        ((EventStore<Order.State>) (EventStore<?>) stores.get(Order.STORE)).execute("o5",
                new Order.Place("cora", List.of(new Order.Line("fig", 1, 100)), 60),
                EventMetadata.of("corr-aws-o5", "command-o5", "test"));
        assertThatThrownBy(() -> pump(function(new OrdersApp(), Clock.systemUTC()), "o5", "fig", "cora"))
                .hasMessageContaining("bank-account"); // stuck before the payment: only the deadline moves it on
        String input = scheduler.getSchedule(GetScheduleRequest.builder().groupName(group)
                .name(schedules().get(0).name()).build()).target().input();
        assertThat(input).as("the timer keeps the correlation id").contains("corr-aws-o5");
        SagaFunction f = function(app, Clock.fixed(Instant.now().plus(Duration.ofMinutes(10)), ZoneOffset.UTC));
        invoke(f, input);
        pump(f, "o5", "fig", "cora");
        assertThat(order("o5").reason()).isEqualTo("timeout");

        List<RecordedEvent> caused = new ArrayList<>();
        caused.addAll(stores.get(Order.STORE).read("o5", ReadOptions.ALL));
        caused.addAll(stores.get(OrderSaga.NAME).read("o5", ReadOptions.ALL));
        stores.get(Inventory.STORE).read("fig", ReadOptions.ALL).stream()
                .filter(e -> !e.type().equals("Restocked")).forEach(caused::add);
        assertThat(caused).extracting(RecordedEvent::type).contains("StockReserved", "StockReleased", "OrderCancelled");
        assertThat(caused).allSatisfy(e -> assertThat(e.metadata().correlationId()).as(e.coordinates())
                .isEqualTo("corr-aws-o5"));
    }

    @Test
    void aTimerThatArrivesBeforeItsDueTimeFailsTheInvocationSoSchedulerRetriesLater() {
        SagaFunction f = function(app, Clock.systemUTC());
        String early = "{\"tally\":\"timer\",\"id\":\"t-early\",\"sagaName\":\"order-saga\",\"sagaId\":\"o9\","
                + "\"name\":\"deadline\",\"dueAt\":\"" + Instant.now().plus(Duration.ofHours(1)) + "\",\"payload\":{}}";
        assertThatThrownBy(() -> invoke(f, early)).hasMessageContaining("before its due time");
    }

    @Test
    void anUnknownSagaIsAClearError() {
        assertThatThrownBy(() -> new SagaFunction(app, "refund-saga", client, ledgerTable, snapshotTable, timers,
                Clock.systemUTC())).hasMessageContaining("has no saga 'refund-saga'").hasMessageContaining("order-saga");
    }
}
