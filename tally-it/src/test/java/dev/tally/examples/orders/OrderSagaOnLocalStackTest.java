package dev.tally.examples.orders;

import dev.tally.core.internal.Chaos;
import dev.tally.dynamodb.DynamoDbTables;
import dev.tally.dynamodb.DynamoDbTimerStore;
import dev.tally.dynamodb.TableDefinitions;
import dev.tally.local.LocalDynamoDb;
import dev.tally.local.LocalPipeline;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The order saga on the one-JVM serverless stack: DynamoDB Local ledger and its stream, the local
 * EventBridge, timers in a DynamoDB table; a restart is a halt (as kill -9) and a new stack on the
 * same tables.
 */
class OrderSagaOnLocalStackTest extends OrderSagaScenarios {
    static LocalDynamoDb db;
    String prefix;

    @BeforeAll
    static void startDynamoDb() {
        db = LocalDynamoDb.inMemory();
    }

    @AfterAll
    static void stopDynamoDb() {
        db.close();
    }

    private Shop open(Chaos chaos, Crashes crashes, Shop.MovableClock clock) {
        LocalPipeline pipeline = LocalPipeline.builder(db).tablePrefix(prefix).chaos(chaos)
                .drain(Duration.ofSeconds(2)).build();
        DynamoDbTables.createIfMissing(db.client(), TableDefinitions.keyValue(prefix + "-timers"));
        return new Shop(pipeline, pipeline.ledger(), new DynamoDbTimerStore(db.client(), prefix + "-timers"), crashes,
                clock);
    }

    @Override
    Shop newShop(Chaos chaos, Crashes crashes, Shop.MovableClock clock) {
        prefix = "o" + UUID.randomUUID().toString().substring(0, 8);
        return open(chaos, crashes, clock);
    }

    @Override
    Shop restart(Shop halted, Shop.MovableClock clock) {
        halted.poller.close();
        ((LocalPipeline) halted.pipeline).halt();
        return open(Chaos.NONE, Crashes.NONE, clock);
    }
}
