package dev.tally.testing;

import dev.tally.core.memory.InMemoryProjectionWriter;
import dev.tally.core.projection.ProjectionWriter;

class InMemoryProjectionWriterContractTest extends ProjectionWriterContract {
    @Override
    protected ProjectionWriter<TestView> writer(String projectionName) {
        return new InMemoryProjectionWriter<>(projectionName);
    }
}
