package dev.tally.server;

import dev.tally.core.memory.InMemoryPipeline;
import dev.tally.core.query.EventQueries;
import dev.tally.core.runtime.Pipeline;
import dev.tally.dynamodb.DynamoDbEventQueries;
import dev.tally.local.LocalPipeline;
import dev.tally.postgres.PostgresEventQueries;
import dev.tally.postgres.PostgresPipeline;
import java.util.Optional;

/** The event queries of the ledger under a pipeline, for {@code /api/events} and {@code /api/trace}. */
final class PipelineQueries {
    private PipelineQueries() {
    }

    static Optional<EventQueries> of(Pipeline pipeline) {
        if (pipeline instanceof InMemoryPipeline p) {
            return Optional.of(p.ledger());
        }
        if (pipeline instanceof LocalPipeline p) {
            return Optional.of(DynamoDbEventQueries.of(p.ledger()));
        }
        if (pipeline instanceof PostgresPipeline p) {
            return Optional.of(PostgresEventQueries.of(p.ledger()));
        }
        return Optional.empty();
    }
}
