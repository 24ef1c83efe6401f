package dev.tally.dynamodb;

import dev.tally.core.projection.ProjectionWriter;
import dev.tally.testing.ProjectionWriterContract;

/** The projection writer contract with writes grouped in transactions, as {@code tally serve} writes views. */
class GroupedViewWritesContractTest extends ProjectionWriterContract {
    private static final GroupedViewWrites WRITES = GroupedViewWrites.grouped(DynamoDbLocalTestServer.client());

    @Override
    protected ProjectionWriter<TestView> writer(String projectionName) {
        String table = "grouped-" + projectionName;
        DynamoDbTables.createIfMissing(DynamoDbLocalTestServer.client(), TableDefinitions.views(table));
        return new DynamoDbProjectionWriter<>(WRITES, table, TestView.class);
    }

    @Override
    protected boolean listsInKeyOrder() {
        return false;
    }
}
