package dev.tally.local;

import dev.tally.aws.EventBridgeBus;
import dev.tally.core.spi.ClaimResolver;
import dev.tally.core.message.Message;
import dev.tally.core.internal.Chaos;
import dev.tally.core.internal.DeliveryEngine;
import dev.tally.core.internal.EngineRoutingBus;
import dev.tally.dynamodb.DynamoDbDeadLetterStore;
import dev.tally.dynamodb.DynamoDbTables;
import dev.tally.dynamodb.TableDefinitions;
import dev.tally.testing.RoutingBusContract;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The bus contract on the local EventBridge as {@code tally serve} runs it: accepted deliveries in a
 * journal file, dead letters in a DynamoDB Local table, so a bus started again on the same files
 * and tables after a crash delivers what the crashed one had accepted.
 */
class LocalEventBridgeDurableContractTest extends RoutingBusContract {
    private static LocalDynamoDb db;
    private EventBridgeBus publisher;
    private String deliveries;
    private String deadLetters;

    @BeforeAll
    static void startDynamoDb() {
        db = LocalDynamoDb.inMemory();
    }

    @AfterAll
    static void stopDynamoDb() {
        db.close();
    }

    private LocalEventBridge bridgeOn(String deliveriesTable, String deadLettersTable) {
        JournalDeliveryStore store = new JournalDeliveryStore(db.dataDir().resolve(deliveriesTable + ".journal"), false,
                Duration.ofMillis(20));
        return LocalEventBridge.start("tally-test-bus", 0, DeliveryEngine.async(4, Chaos.NONE,
                new DynamoDbDeadLetterStore(db.client(), deadLettersTable), store), ClaimResolver.NONE);
    }

    @Override
    protected EngineRoutingBus newBus() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        deliveries = "deliveries-" + suffix;
        deadLetters = "dead-letters-" + suffix;
        DynamoDbTables.createIfMissing(db.client(), TableDefinitions.keyValue(deadLetters));
        LocalEventBridge router = bridgeOn(deliveries, deadLetters);
        publisher = new EventBridgeBus(router.client(), "tally-test-bus");
        return router;
    }

    @Override
    protected void publish(List<? extends Message> messages) {
        bus();
        publisher.publish(messages);
    }

    @Override
    protected EngineRoutingBus restartedOnSameStores(EngineRoutingBus crashed) {
        ((LocalEventBridge) crashed).halt();
        return bridgeOn(deliveries, deadLetters);
    }
}
