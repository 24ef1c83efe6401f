package dev.tally.dynamodb;

import dev.tally.core.ledger.LedgerAdapter;
import dev.tally.core.projection.ProjectionWriter;
import dev.tally.core.snapshot.SnapshotStore;
import dev.tally.testing.LedgerAdapterContract;
import dev.tally.testing.ProjectionWriterContract;
import dev.tally.testing.SnapshotStoreContract;

/** The contract suites of tally-testing, on DynamoDB Local over HTTP. */
final class DynamoDbContractTests {
    static final String LEDGER = "contract-ledger";
    static final String SNAPSHOTS = "contract-snapshots";

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
}
