package dev.tally.postgres;

import dev.tally.core.projection.ProjectionWriter;
import dev.tally.testing.ProjectionWriterContract;

/** The projection writer contract for JSONB views in the shared views table. */
class PostgresProjectionWriterContractTest extends ProjectionWriterContract {
    private static final PostgresTables TABLES = TestDatabase.freshTables("views_contract");

    @Override
    protected ProjectionWriter<TestView> writer(String projectionName) {
        return new PostgresProjectionWriter<>(TestDatabase.dataSource(), TABLES, projectionName, TestView.class);
    }
}
