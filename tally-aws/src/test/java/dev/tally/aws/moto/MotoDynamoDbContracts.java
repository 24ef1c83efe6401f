package dev.tally.aws.moto;

import dev.tally.core.spi.CheckpointStore;
import dev.tally.core.spi.LedgerAdapter;
import dev.tally.core.projection.ProjectionWriter;
import dev.tally.core.spi.DeadLetterStore;
import dev.tally.core.spi.SnapshotStore;
import dev.tally.dynamodb.DynamoDbCheckpoints;
import dev.tally.dynamodb.DynamoDbDeadLetterStore;
import dev.tally.dynamodb.DynamoDbLedger;
import dev.tally.dynamodb.DynamoDbProjectionWriter;
import dev.tally.dynamodb.DynamoDbSnapshotStore;
import dev.tally.dynamodb.DynamoDbTables;
import dev.tally.dynamodb.TableDefinitions;
import dev.tally.testing.CheckpointStoreContract;
import dev.tally.testing.DeadLetterStoreContract;
import dev.tally.testing.LedgerAdapterContract;
import dev.tally.testing.ProjectionWriterContract;
import dev.tally.testing.SnapshotStoreContract;
import java.util.OptionalInt;
import java.util.UUID;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The contract suites of tally-testing, run on moto_server's DynamoDB: the same suites DynamoDB
 * Local passes (tally-dynamodb), answered by a second, independent implementation. The tests that
 * race concurrent writers are left out here ({@link MotoRacesNotIsolated}): moto does not isolate
 * concurrent conditional writes.
 */
final class MotoDynamoDbContracts {
    private static DynamoDbClient client;

    private MotoDynamoDbContracts() {
    }

    static synchronized DynamoDbClient client() {
        MotoAws.moto();
        if (client == null) {
            client = MotoAws.dynamoDb();
        }
        return client;
    }

    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @org.junit.jupiter.api.extension.ExtendWith(MotoRacesNotIsolated.class)
    static class Ledger extends LedgerAdapterContract {
        private final DynamoDbLedger ledger;

        Ledger() {
            String table = unique("moto-ledger");
            DynamoDbTables.createIfMissing(client(), TableDefinitions.ledger(table));
            ledger = new DynamoDbLedger(client(), table);
        }

        @Override
        protected LedgerAdapter ledger() {
            return ledger;
        }
    }

    static class Snapshots extends SnapshotStoreContract {
        private final DynamoDbSnapshotStore store;

        Snapshots() {
            String table = unique("moto-snapshots");
            DynamoDbTables.createIfMissing(client(), TableDefinitions.snapshots(table));
            store = new DynamoDbSnapshotStore(client(), table);
        }

        @Override
        protected SnapshotStore snapshots() {
            return store;
        }
    }

    @org.junit.jupiter.api.extension.ExtendWith(MotoRacesNotIsolated.class)
    static class Projections extends ProjectionWriterContract {
        @Override
        protected ProjectionWriter<TestView> writer(String projectionName) {
            String table = "moto-views-" + projectionName;
            DynamoDbTables.createIfMissing(client(), TableDefinitions.views(table));
            return new DynamoDbProjectionWriter<>(client(), table, TestView.class);
        }

        @Override
        protected boolean listsInKeyOrder() {
            return false;
        }
    }

    static class DeadLetters extends DeadLetterStoreContract {
        @Override
        protected DeadLetterStore emptyStore() {
            String table = unique("moto-dlq");
            DynamoDbTables.createIfMissing(client(), TableDefinitions.keyValue(table));
            return new DynamoDbDeadLetterStore(client(), table);
        }

        @Override
        protected OptionalInt maxBodyBytes() {
            return OptionalInt.of(DynamoDbDeadLetterStore.MAX_BODY_BYTES);
        }
    }

    static class Checkpoints extends CheckpointStoreContract {
        private final String table = unique("moto-checkpoints");

        Checkpoints() {
            DynamoDbTables.createIfMissing(client(), TableDefinitions.keyValue(table));
        }

        @Override
        protected CheckpointStore openStore() {
            return new DynamoDbCheckpoints(client(), table);
        }
    }
}
