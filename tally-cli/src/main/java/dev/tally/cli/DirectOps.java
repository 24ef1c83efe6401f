package dev.tally.cli;

import dev.tally.aws.S3ArchiveStore;
import dev.tally.core.Aggregate;
import dev.tally.core.AggregateDefinition;
import dev.tally.core.EventStore;
import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.app.TallyApp;
import dev.tally.core.archive.ArchiveReadingLedger;
import dev.tally.core.spi.ArchiveStore;
import dev.tally.core.archive.Archiver;
import dev.tally.core.archive.DirectoryArchiveStore;
import dev.tally.core.spi.LedgerAdapter;
import dev.tally.core.spi.PrunableLedger;
import dev.tally.core.spi.SnapshotStore;
import dev.tally.postgres.PostgresLedger;
import dev.tally.postgres.PostgresProjectionWriter;
import dev.tally.postgres.PostgresSnapshotStore;
import dev.tally.postgres.PostgresTables;
import dev.tally.core.ops.ProjectionResend;
import dev.tally.core.ops.Rebuild;
import dev.tally.core.projection.Projection;
import dev.tally.core.projection.ProjectionWriter;
import dev.tally.core.projection.Projector;
import dev.tally.core.runtime.ConvergenceCheck;
import dev.tally.core.snapshot.SnapshotPolicy;
import dev.tally.core.snapshot.SnapshotVerifier;
import dev.tally.dynamodb.DynamoDbClients;
import dev.tally.dynamodb.DynamoDbLedger;
import dev.tally.dynamodb.DynamoDbProjectionWriter;
import dev.tally.dynamodb.DynamoDbSnapshotStore;
import dev.tally.dynamodb.DynamoDbWrappedKeyStore;
import dev.tally.core.privacy.PersonalData;
import dev.tally.core.privacy.SubjectKeys;
import dev.tally.core.spi.WrappedKeyStore;
import dev.tally.local.LongRunningHttp;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The operations on DynamoDB directly (DynamoDB Local at an endpoint, or AWS in a region) or on
 * PostgreSQL (a JDBC URL), with
 * the apps' definitions loaded here: the ledger and snapshot tables 'tally serve' and the
 * deployment use, views written by a {@link Projector} in this process with the same conditional
 * write as every delivery. With an archive (a directory or S3) the ledger reads archived history.
 */
final class DirectOps implements OpsBackend {
    private record Hosted(String app, Projection<?, ?> projection) {
    }

    /** Where a projection's views are written in direct mode. */
    interface Views {
        <V> ProjectionWriter<V> writer(String app, Projection<?, V> projection);
    }

    private final AutoCloseable resource;
    private final Views views;
    private final String description;
    private final LedgerAdapter ledger;
    private final String viewTable;
    private final Map<String, EventStore<?>> stores = new TreeMap<>();
    private final Map<String, Hosted> projections = new TreeMap<>();
    private final Map<String, Projector<?, ?>> projectors = new HashMap<>();
    private final Map<String, AggregateDefinition<?>> definitions = new TreeMap<>();
    private final SnapshotStore snapshots;
    /** The wrapped data keys (forget destroys them); null where forget is not available directly. */
    private WrappedKeyStore dataKeys;

    private DirectOps(AutoCloseable resource, Views views, String description, LedgerAdapter ledger,
                      SnapshotStore snapshots, String viewTable, List<TallyApp> apps) {
        this.resource = resource;
        this.views = views;
        this.description = description;
        this.ledger = ledger;
        this.viewTable = viewTable;
        this.snapshots = snapshots;
        for (TallyApp app : apps) {
            for (AggregateDefinition<?> d : app.stores()) {
                definitions.putIfAbsent(d.name(), d);
                stores.putIfAbsent(d.name(), EventStore.builder(d, ledger).snapshots(snapshots, SnapshotPolicy.never())
                        .cache(0).build());
            }
            for (Projection<?, ?> p : app.projections()) {
                projections.putIfAbsent(p.name(), new Hosted(app.name(), p));
            }
        }
    }

    static DirectOps open(ConnectionOptions o, List<TallyApp> apps) {
        Region region = Region.of(o.region == null ? "us-east-1" : o.region);
        DynamoDbClient client = o.dynamoDbEndpoint != null ? DynamoDbClients.forEndpoint(o.dynamoDbEndpoint, region, LongRunningHttp.client())
                : DynamoDbClients.forAws(region, LongRunningHttp.client());
        ArchiveStore archive = o.archiveDir != null ? new DirectoryArchiveStore(o.archiveDir)
                : o.archiveS3 != null ? S3ArchiveStore.at(o.archiveS3, o.s3Endpoint, region) : null;
        String ledgerTable = o.ledgerTable(apps);
        LedgerAdapter ledger = new DynamoDbLedger(client, ledgerTable);
        if (archive != null) {
            ledger = new ArchiveReadingLedger(ledger, archive);
        }
        String where = "dynamodb:" + ledgerTable + " at " + (o.dynamoDbEndpoint != null ? o.dynamoDbEndpoint
                : "AWS " + region) + (archive == null ? "" : ", archive " + archive.describe());
        String viewTable = o.viewTable;
        Views views = new Views() {
            @Override
            public <V> ProjectionWriter<V> writer(String app, Projection<?, V> p) {
                return new DynamoDbProjectionWriter<>(client, viewTable != null ? viewTable : app + "-" + p.name(),
                        p.viewType());
            }
        };
        DirectOps ops = new DirectOps(client, views, where, ledger, new DynamoDbSnapshotStore(client,
                o.snapshotTable(apps)), o.viewTable, apps);
        ops.dataKeys = new DynamoDbWrappedKeyStore(client, o.dataKeysTable(apps));
        return ops;
    }

    /** PostgreSQL at a JDBC URL: the ledger, snapshots and views in Tally's tables (default schema or --schema). */
    static DirectOps openJdbc(ConnectionOptions o, List<TallyApp> apps) {
        org.postgresql.ds.PGSimpleDataSource data = new org.postgresql.ds.PGSimpleDataSource();
        data.setUrl(o.jdbcUrl);
        String password = System.getenv("PGPASSWORD");
        if (password != null && !o.jdbcUrl.contains("password=")) {
            data.setPassword(password);
        }
        PostgresTables tables = o.schema == null ? PostgresTables.DEFAULT : PostgresTables.inSchema(o.schema);
        Views views = new Views() {
            @Override
            public <V> ProjectionWriter<V> writer(String app, Projection<?, V> p) {
                return new PostgresProjectionWriter<>(data, tables, p.name(), p.viewType());
            }
        };
        // S3 for a PostgreSQL ledger: the region from AWS_REGION (--region names DynamoDB's)
        String s3Region = System.getenv().getOrDefault("AWS_REGION", "us-east-1");
        ArchiveStore archive = o.archiveDir != null ? new DirectoryArchiveStore(o.archiveDir)
                : o.archiveS3 != null ? S3ArchiveStore.at(o.archiveS3, o.s3Endpoint, Region.of(s3Region)) : null;
        LedgerAdapter ledger = new PostgresLedger(data, tables);
        if (archive != null) {
            ledger = new ArchiveReadingLedger(ledger, archive);
        }
        String where = "postgresql:" + tables.events() + " at " + o.jdbcUrl.replaceAll("password=[^&]*", "password=***")
                + (archive == null ? "" : ", archive " + archive.describe());
        return new DirectOps(() -> { }, views, where, ledger, new PostgresSnapshotStore(data, tables), null, apps);
    }

    private EventStore<?> store(String name) {
        EventStore<?> s = stores.get(name);
        if (s == null) {
            throw new IllegalArgumentException("no event store '" + name + "' in the apps given: they have "
                    + stores.keySet() + " (pass the app's jar with --app)");
        }
        return s;
    }

    private Hosted projection(String name) {
        Hosted p = projections.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no projection '" + name + "' in the apps given: they have "
                    + projections.keySet() + " (pass the app's jar with --app)");
        }
        return p;
    }

    @Override
    public String storeOf(String projection) {
        return projection(projection).projection().store();
    }

    @Override
    public Page<String> ids(String store, PageRequest request) {
        return store(store).listAggregateIds(request);
    }

    @Override
    public Rebuild.Sent resend(String projection, List<String> aggregateIds) {
        Hosted p = projection(projection);
        Projector<?, ?> projector = projectors.computeIfAbsent(projection, n -> projector(p));
        return new ProjectionResend(store(p.projection().store()), projector::handle).send(aggregateIds);
    }

    private <S, V> Projector<S, V> projector(Hosted hosted) {
        @SuppressWarnings("unchecked")
        Projection<S, V> p = (Projection<S, V>) hosted.projection();
        return new Projector<>(p, views.writer(hosted.app(), p));
    }

    @Override
    public long replay(String store, String aggregateId) {
        EventStore<?> s = store(store);
        Aggregate<?> a = s.load(aggregateId);
        if (!a.exists()) {
            return 0;
        }
        return s.requestReplay(aggregateId, "tally replay").version();
    }

    @Override
    public long forget(String store, String aggregateId) {
        AggregateDefinition<?> d = definitions.get(store);
        if (d == null) {
            store(store); // the error naming the stores there are
        }
        if (dataKeys == null) {
            throw new IllegalArgumentException("tally forget works directly on DynamoDB (--region or"
                    + " --dynamodb-endpoint) or through a running server (--url); on PostgreSQL, use the server");
        }
        // forgetting destroys keys: it needs the key table, never the master key (no KMS call, no KMS grant)
        SubjectKeys keys = SubjectKeys.builder(ForgetOnlyMasterKey.INSTANCE, dataKeys).build();
        return EventStore.builder(d, ledger).snapshots(snapshots, SnapshotPolicy.never()).cache(0)
                .personalData(new PersonalData(keys)).build().forget(aggregateId).version();
    }

    @Override
    public ConvergenceCheck.Report verify(boolean repair) {
        List<ConvergenceCheck.Bound<?, ?>> bound = new ArrayList<>();
        for (String name : projections.keySet()) {
            bound.add(bound(name));
        }
        List<EventStore<?>> read = new ArrayList<>(stores.values());
        return new ConvergenceCheck(read, bound, 100).run(repair, progress -> { });
    }

    /** A projection with its view table, repaired by this process's projector (the conditional write). */
    private <S, V> ConvergenceCheck.Bound<S, V> bound(String name) {
        @SuppressWarnings("unchecked")
        Projector<S, V> projector = (Projector<S, V>) projectors.computeIfAbsent(name, n -> projector(projection(n)));
        return new ConvergenceCheck.Bound<>(projector.projection(), projector.writer(), projector::handle);
    }

    @Override
    public List<SnapshotVerifier.Result> verifySnapshots(String store, List<String> aggregateIds) {
        EventStore<?> s = store(store);
        SnapshotVerifier verifier = new SnapshotVerifier();
        List<SnapshotVerifier.Result> out = new ArrayList<>();
        for (String id : aggregateIds) {
            out.add(verifier.verify(s, id));
        }
        return out;
    }

    @Override
    public List<ArchiveOutcome> archive(String store, List<String> aggregateIds, int idleDays) {
        if (!(ledger instanceof ArchiveReadingLedger archived) || !(archived.ledger() instanceof PrunableLedger)) {
            throw new IllegalArgumentException("tally archive needs an archive: --archive-dir DIR (the local stack) or"
                    + " --archive-s3 s3://BUCKET/PREFIX");
        }
        EventStore<?> s = store(store);
        Archiver archiver = new Archiver(archived, Clock.systemUTC());
        List<ArchiveOutcome> out = new ArrayList<>();
        for (String id : aggregateIds) {
            Archiver.Outcome o = archiver.archive(s, id, Duration.ofDays(idleDays));
            out.add(new ArchiveOutcome(id, o.archivedThrough(), o.kind().name().toLowerCase()));
        }
        return out;
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void close() {
        try {
            resource.close();
        } catch (Exception e) {
            throw new IllegalStateException("closing " + description + ": " + e.getMessage(), e);
        }
    }
}
