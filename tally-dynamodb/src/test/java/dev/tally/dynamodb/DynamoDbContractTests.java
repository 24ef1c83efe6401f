package dev.tally.dynamodb;

import dev.tally.core.spi.CheckpointStore;
import dev.tally.core.spi.LedgerAdapter;
import dev.tally.core.projection.ProjectionWriter;
import dev.tally.core.spi.DeadLetterStore;
import dev.tally.core.spi.SnapshotStore;
import dev.tally.testing.CheckpointStoreContract;
import dev.tally.testing.DeadLetterStoreContract;
import dev.tally.testing.LedgerAdapterContract;
import dev.tally.testing.ProjectionWriterContract;
import dev.tally.testing.SnapshotStoreContract;
import java.util.OptionalInt;
import java.util.UUID;

/** The contract suites of tally-testing, on DynamoDB Local over HTTP. */
final class DynamoDbContractTests {
    static final String LEDGER = "contract-ledger";
    static final String SNAPSHOTS = "contract-snapshots";
    static final String CHECKPOINTS = "contract-checkpoints";

    private DynamoDbContractTests() {
    }

    static synchronized DynamoDbLedger newLedger() {
        DynamoDbTables.createIfMissing(DynamoDbLocalTestServer.client(), TableDefinitions.ledger(LEDGER));
        return new DynamoDbLedger(DynamoDbLocalTestServer.client(), LEDGER);
    }

    static class Ledger extends LedgerAdapterContract {
        private final DynamoDbLedger ledger = newLedger();

        @Override
        protected LedgerAdapter ledger() {
            return ledger;
        }
    }

    static class Queries extends dev.tally.testing.EventQueriesContract {
        private final DynamoDbLedger ledger = newLedger();
        private final DynamoDbEventQueries queries = new DynamoDbEventQueries(DynamoDbLocalTestServer.client(), LEDGER);

        @Override
        protected LedgerAdapter ledger() {
            return ledger;
        }

        @Override
        protected dev.tally.core.query.EventQueries queries() {
            return queries;
        }
    }

    static class Snapshots extends SnapshotStoreContract {
        private final DynamoDbSnapshotStore store;

        Snapshots() {
            DynamoDbTables.createIfMissing(DynamoDbLocalTestServer.client(), TableDefinitions.snapshots(SNAPSHOTS));
            store = new DynamoDbSnapshotStore(DynamoDbLocalTestServer.client(), SNAPSHOTS);
        }

        @Override
        protected SnapshotStore snapshots() {
            return store;
        }
    }

    static class Projections extends ProjectionWriterContract {
        @Override
        protected ProjectionWriter<TestView> writer(String projectionName) {
            String table = "views-" + projectionName;
            DynamoDbTables.createIfMissing(DynamoDbLocalTestServer.client(), TableDefinitions.views(table));
            return new DynamoDbProjectionWriter<>(DynamoDbLocalTestServer.client(), table, TestView.class);
        }

        @Override
        protected boolean listsInKeyOrder() {
            return false;
        }
    }

    static class DeadLetters extends DeadLetterStoreContract {
        @Override
        protected DeadLetterStore emptyStore() {
            String table = "dlq-" + UUID.randomUUID().toString().substring(0, 8);
            DynamoDbTables.createIfMissing(DynamoDbLocalTestServer.client(), TableDefinitions.keyValue(table));
            return new DynamoDbDeadLetterStore(DynamoDbLocalTestServer.client(), table);
        }

        @Override
        protected OptionalInt maxBodyBytes() {
            return OptionalInt.of(DynamoDbDeadLetterStore.MAX_BODY_BYTES);
        }
    }

    static class Checkpoints extends CheckpointStoreContract {
        Checkpoints() {
            DynamoDbTables.createIfMissing(DynamoDbLocalTestServer.client(), TableDefinitions.keyValue(CHECKPOINTS));
        }

        @Override
        protected CheckpointStore openStore() {
            return new DynamoDbCheckpoints(DynamoDbLocalTestServer.client(), CHECKPOINTS);
        }
    }
}
