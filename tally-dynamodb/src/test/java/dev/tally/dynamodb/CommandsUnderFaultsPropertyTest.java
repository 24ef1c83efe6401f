package dev.tally.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.AggregateDefinition;
import dev.tally.core.Decider;
import dev.tally.core.EventMetadata;
import dev.tally.core.EventStore;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.RetryPolicy;
import dev.tally.core.command.Command;
import dev.tally.core.command.CommandResult;
import dev.tally.core.command.Decision;
import dev.tally.core.command.RetriesExhausted;
import dev.tally.core.ledger.LedgerUnavailable;
import dev.tally.core.ledger.OutcomeUnknown;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.StandardRetryStrategy;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Commands through an SDK client that loses answers after the server committed and answers
 * retries with throttling, 500 or TransactionConflict (PutItem, TransactWriteItems, GetItem and
 * Query), against DynamoDB Local: no command is ever applied twice, and every outcome is an
 * acceptance (its events are stored, once), a rejection (nothing stored), or unknown (stored at
 * most once). No other exception reaches the caller.
 */
class CommandsUnderFaultsPropertyTest {
    static final String TABLE = "faults-ledger";

    sealed interface AccountCommand extends Command<Balance> permits Credit {
    }

    /** Credits {@code amount}; refused when the balance would pass 200 (so rejections happen too). */
    record Credit(long amount) implements AccountCommand {
    }

    sealed interface AccountEvent permits Credited {
    }

    record Credited(long amount) implements AccountEvent {
    }

    record Balance(long total) {
    }

    static final AggregateDefinition<Balance> ACCOUNT = AggregateDefinition.builder("faults-account", Balance.class,
            AccountCommand.class, AccountEvent.class, Decider.<AccountCommand, AccountEvent, Balance>of(new Balance(0),
                    (c, s) -> {
                        Credit credit = (Credit) c;
                        return s.total() + credit.amount() > 200 ? Decision.reject("limit", "over 200")
                                : Decision.emit(new Credited(credit.amount()));
                    },
                    (s, e) -> new Balance(s.total() + ((Credited) e.payload()).amount())))
            .build();

    /** One request of a client: which account, how much, and whether it repeats an earlier request's id. */
    record Request(int account, long amount, boolean withId, int repeatOf) {
    }

    private static DynamoDbClient plain;

    @BeforeContainer
    static void table() {
        plain = DynamoDbLocalTestServer.client();
        DynamoDbTables.createIfMissing(plain, TableDefinitions.ledger(TABLE));
    }

    @AfterContainer
    static void nothing() {
        // the test server outlives the container
    }

    @Provide
    Arbitrary<List<Request>> requests() {
        Arbitrary<Request> one = Combinators.combine(Arbitraries.integers().between(0, 2),
                Arbitraries.longs().between(1, 120), Arbitraries.integers().between(0, 3),
                Arbitraries.integers().between(-1, 30)).as((a, amount, id, repeat) ->
                new Request(a, amount, id > 0, repeat));
        return one.list().ofMinSize(1).ofMaxSize(25);
    }

    /** How often a request meets a fault: rare, even, and so often that some outcomes stay unknown. */
    @Provide
    Arbitrary<Double> faultRates() {
        return Arbitraries.of(0.3, 0.5, 0.9);
    }

    @Property(tries = 30)
    void noCommandAppliesTwiceAndEveryOutcomeIsKnownOrReportedUnknown(@ForAll("requests") List<Request> requests,
                                                                       @ForAll("faultRates") double faultRate,
                                                                       @ForAll long seed) {
        FaultInjectingHttpClient http = new FaultInjectingHttpClient(seed, faultRate,
                Set.of("PutItem", "TransactWriteItems", "GetItem", "Query"));
        StandardRetryStrategy retries = ((StandardRetryStrategy.Builder) AwsRetryStrategy.standardRetryStrategy()
                .toBuilder()).maxAttempts(3).circuitBreakerEnabled(false)
                .backoffStrategy(BackoffStrategy.fixedDelay(Duration.ofMillis(1)))
                .throttlingBackoffStrategy(BackoffStrategy.fixedDelay(Duration.ofMillis(1))).build();
        String store = ACCOUNT.name();
        String run = UUID.randomUUID().toString().substring(0, 8);
        try (DynamoDbClient client = DynamoDbClient.builder().httpClient(http).region(Region.US_EAST_1)
                .endpointOverride(DynamoDbLocalTestServer.endpoint())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("tallyLocal", "x")))
                .overrideConfiguration(ClientOverrideConfiguration.builder().retryStrategy(retries).build())
                .build()) {
            EventStore<Balance> accounts = EventStore.builder(ACCOUNT, new DynamoDbLedger(client, TABLE))
                    .retryPolicy(new RetryPolicy(4, Duration.ZERO, Duration.ZERO)).build();
            List<Outcome> outcomes = new ArrayList<>();
            for (int i = 0; i < requests.size(); i++) {
                Request r = requests.get(i);
                // a repeat is a client retry: the same account, amount and command id as the earlier request
                Request sent = r.repeatOf() >= 0 && r.repeatOf() < i && requests.get(r.repeatOf()).withId()
                        ? requests.get(r.repeatOf()) : r;
                String commandId = sent.withId() ? "cmd-" + requests.indexOf(sent) : null;
                String execution = UUID.randomUUID().toString();
                EventMetadata metadata = EventMetadata.empty().withAttribute("execution", execution);
                if (commandId != null) {
                    metadata = metadata.withCommandId(commandId);
                }
                String account = run + "-" + sent.account();
                outcomes.add(execute(accounts, account, new Credit(sent.amount()), metadata, commandId, execution));
            }

            http.enabled(false);
            for (Outcome o : outcomes) {
                net.jqwik.api.statistics.Statistics.label("outcome").collect(o.kind());
            }
            net.jqwik.api.statistics.Statistics.label("responses lost after commit")
                    .collect(http.injected(FaultInjectingHttpClient.Fault.LOSE_RESPONSE) > 0);
            // a run that injects no fault proves nothing: most tries must lose a committed answer
            net.jqwik.api.statistics.Statistics.label("responses lost after commit")
                    .coverage(c -> c.check(true).percentage(p -> p >= 20));
            // and the three outcomes all happen: a property that never sees "unknown" does not test it
            net.jqwik.api.statistics.Statistics.label("outcome").coverage(c -> {
                c.check(Kind.ACCEPTED).count(n -> n > 0);
                c.check(Kind.NOT_APPLIED).count(n -> n > 0);
                c.check(Kind.UNKNOWN).count(n -> n > 0);
            });
            check(new DynamoDbLedger(plain, TABLE), store, run, outcomes);
        }
    }

    /** The three outcomes a caller can get: applied, not applied (nothing written), unknown. */
    enum Kind { ACCEPTED, NOT_APPLIED, UNKNOWN }

    record Outcome(Kind kind, String account, String commandId, String execution, List<RecordedEvent> events) {
    }

    private static Outcome execute(EventStore<Balance> accounts, String account, Credit credit, EventMetadata metadata,
                                   String commandId, String execution) {
        try {
            CommandResult<Balance> result = accounts.execute(account, credit, metadata);
            if (result instanceof CommandResult.Accepted<Balance> accepted) {
                return new Outcome(Kind.ACCEPTED, account, commandId, execution, accepted.events());
            }
            return new Outcome(Kind.NOT_APPLIED, account, commandId, execution, List.of());
        } catch (LedgerUnavailable | RetriesExhausted notApplied) {
            // refused before anything was written (checked below); any other exception fails the property
            return new Outcome(Kind.NOT_APPLIED, account, commandId, execution, List.of());
        } catch (OutcomeUnknown unknown) {
            return new Outcome(Kind.UNKNOWN, account, commandId, execution, List.of());
        }
    }

    private static void check(DynamoDbLedger ledger, String store, String run, List<Outcome> outcomes) {
        Map<String, List<RecordedEvent>> streams = new HashMap<>();
        for (int a = 0; a < 3; a++) {
            streams.put(run + "-" + a, ledger.read(store, run + "-" + a, ReadOptions.ALL));
        }
        for (Outcome o : outcomes) {
            List<RecordedEvent> stream = streams.get(o.account());
            long byExecution = stream.stream().filter(e -> o.execution().equals(e.metadata().attributes()
                    .get("execution"))).count();
            // whatever the id: a call that reports "not applied" wrote nothing, an unknown one at most once
            if (o.kind() == Kind.NOT_APPLIED) {
                assertThat(byExecution).as("not applied %s", o.execution()).isZero();
            } else if (o.kind() == Kind.UNKNOWN) {
                assertThat(byExecution).as("unknown %s", o.execution()).isLessThanOrEqualTo(1);
            }
            if (o.commandId() != null) {
                long byCommand = stream.stream().filter(e -> o.commandId().equals(e.metadata().commandId()
                        .orElse(null))).count();
                assertThat(byCommand).as("events carrying command %s", o.commandId()).isLessThanOrEqualTo(1);
                if (o.kind() == Kind.ACCEPTED) {
                    assertThat(byCommand).as("accepted command %s is stored", o.commandId()).isEqualTo(1);
                    assertThat(stream).containsAll(o.events());
                }
            } else {
                switch (o.kind()) {
                    case ACCEPTED -> {
                        assertThat(byExecution).as("accepted %s stored once", o.execution()).isEqualTo(1);
                        assertThat(stream).containsAll(o.events());
                    }
                    case NOT_APPLIED -> assertThat(byExecution).as("%s %s", o.kind(), o.execution())
                            .isZero();
                    case UNKNOWN -> assertThat(byExecution).as("unknown %s", o.execution()).isLessThanOrEqualTo(1);
                    default -> throw new AssertionError(o.kind());
                }
            }
        }
        // every stream is contiguous and each credit appears once per execution
        for (List<RecordedEvent> stream : streams.values()) {
            for (int i = 0; i < stream.size(); i++) {
                assertThat(stream.get(i).version()).isEqualTo(i + 1);
            }
            assertThat(stream.stream().map(e -> e.metadata().attributes().get("execution")).distinct().count())
                    .isEqualTo(stream.size());
        }
    }
}
