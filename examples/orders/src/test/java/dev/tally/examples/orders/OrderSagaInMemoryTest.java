package dev.tally.examples.orders;

import dev.tally.core.memory.InMemoryPipeline;
import dev.tally.core.memory.InMemoryTimerStore;
import dev.tally.core.runtime.Chaos;

/** The order saga on the in-memory pipeline (nothing survives a restart there). */
class OrderSagaInMemoryTest extends OrderSagaScenarios {
    @Override
    Shop newShop(Chaos chaos, Crashes crashes, Shop.MovableClock clock) {
        InMemoryPipeline pipeline = InMemoryPipeline.create(chaos);
        return new Shop(pipeline, pipeline.ledger(), new InMemoryTimerStore(), crashes, clock);
    }

    @Override
    Shop restart(Shop halted, Shop.MovableClock clock) {
        halted.close();
        return null;
    }
}
