package dev.tally.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.aws.KmsMasterKey;
import dev.tally.aws.S3ArchiveStore;
import dev.tally.cli.OpsTestApp.Add;
import dev.tally.cli.OpsTestApp.Count;
import dev.tally.cli.OpsTestApp.Total;
import dev.tally.core.StreamArchived;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.snapshot.Snapshot;
import dev.tally.core.snapshot.SnapshotPolicy;
import dev.tally.dynamodb.DynamoDbProjectionWriter;
import dev.tally.dynamodb.DynamoDbSnapshotStore;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import dev.tally.aws.deploy.AppTemplate;
import dev.tally.core.EventStore;
import dev.tally.core.RecordedEvent;
import dev.tally.core.ReadOptions;
import dev.tally.core.command.CommandResult;
import dev.tally.core.privacy.PersonalData;
import dev.tally.core.privacy.SubjectKeys;
import dev.tally.dynamodb.DynamoDbClients;
import dev.tally.dynamodb.DynamoDbLedger;
import dev.tally.dynamodb.DynamoDbWrappedKeyStore;
import dev.tally.dynamodb.TableDefinitions;
import dev.tally.testing.MotoServer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.kms.KmsClient;

/**
 * The operations with {@code --region R --app JAR} on a deployed app's tables, on one moto_server:
 * the tables are found by the app's name as the template names them ({@code {app}-ledger},
 * {@code {app}-snapshots}, {@code {app}-{projection}}, {@code {app}-data-keys}), with the operator's
 * credentials from the default chain and the endpoint overridden the SDK's standard way
 * ({@code aws.endpointUrl}, as {@code AWS_ENDPOINT_URL} does for a process). {@code rebuild},
 * {@code verify [--repair]}, {@code verify-snapshots}, {@code archive} (to moto's S3) and
 * {@code replay}; {@code forget} destroys the subject's wrapped data key and appends the audit event.
 * Skipped with install advice where moto is missing.
 */
class RegionOpsMotoTest {
    static MotoServer moto;
    static DynamoDbClient dynamo;
    static KmsClient kms;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        moto = MotoServer.startOrSkipAsDefaultCredentials();
        System.setProperty("aws.endpointUrl", moto.endpoint().toString());
        dynamo = DynamoDbClients.forEndpoint(moto.endpoint(), Region.of(MotoServer.REGION));
        kms = KmsClient.builder().httpClient(UrlConnectionHttpClient.create()).region(Region.of(MotoServer.REGION))
                .endpointOverride(moto.endpoint()).credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(MotoServer.ACCESS_KEY, MotoServer.SECRET_KEY))).build();
    }

    @AfterAll
    static void stop() {
        System.clearProperty("aws.endpointUrl");
        if (moto != null) {
            dynamo.close();
            kms.close();
            moto.close();
        }
    }

    @Test
    void replayAndForgetWithRegionWorkOnTheDeployedTables() {
        AppTemplate deployed = new AppTemplate(new MembersTestApp(), "members.jar");
        dynamo.createTable(TableDefinitions.ledger(deployed.ledgerTable()).createTableRequest());
        dynamo.createTable(TableDefinitions.snapshots(deployed.snapshotTable()).createTableRequest());
        dynamo.createTable(TableDefinitions.keyValue(deployed.dataKeysTable()).createTableRequest());
        String keyArn = kms.createKey(b -> b.description("members")).keyMetadata().arn();

        // what the command function does on AWS: seal with a KMS-wrapped data key, append
        DynamoDbWrappedKeyStore keys = new DynamoDbWrappedKeyStore(dynamo, deployed.dataKeysTable());
        DynamoDbLedger ledger = new DynamoDbLedger(dynamo, deployed.ledgerTable());
        EventStore<MembersTestApp.Member> members = EventStore.builder(MembersTestApp.MEMBERS, ledger)
                .personalData(new PersonalData(SubjectKeys.builder(new KmsMasterKey(kms, keyArn), keys).build()))
                .build();
        assertThat(members.execute("m1", new MembersTestApp.Join("Ada", "ada@example.com")))
                .isInstanceOf(CommandResult.Accepted.class);
        assertThat(keys.get("m1")).as("the member's wrapped data key").isPresent();
        assertThat(ledger.read("member", "m1", ReadOptions.ALL).get(0).payload().toString()).doesNotContain("Ada");

        String app = MembersTestApp.jar(tmp).toString();
        AwsTemplateCommandTest.Run replayed = AwsTemplateCommandTest.tally("replay", "member", "m1", "--region",
                MotoServer.REGION, "--app", app);
        assertThat(replayed.exitCode()).as(replayed.err()).isZero();
        assertThat(replayed.out()).contains("replayed member/m1: the replay event is v2");

        AwsTemplateCommandTest.Run r = AwsTemplateCommandTest.tally("forget", "member", "m1", "--region",
                MotoServer.REGION, "--app", app);

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("forgot the personal data of member/m1 (audit event at version 3")
                .contains("dynamodb:members-ledger");
        assertThat(keys.get("m1")).as("the wrapped data key after forget").isEmpty();
        List<RecordedEvent> stream = ledger.read("member", "m1", ReadOptions.ALL);
        assertThat(stream).hasSize(3);
        assertThat(stream.get(2).type()).contains("PersonalDataForgotten");
    }

    @Test
    void rebuildVerifyVerifySnapshotsAndArchiveWorkOnTheDeployedTables() {
        AppTemplate deployed = new AppTemplate(new OpsTestApp(), "ops.jar");
        dynamo.createTable(TableDefinitions.ledger(deployed.ledgerTable()).createTableRequest());
        dynamo.createTable(TableDefinitions.snapshots(deployed.snapshotTable()).createTableRequest());
        for (String p : List.of("ops-total", "ops-other")) {
            dynamo.createTable(TableDefinitions.views(deployed.viewTable(p)).createTableRequest());
        }
        DynamoDbLedger ledger = new DynamoDbLedger(dynamo, deployed.ledgerTable());
        DynamoDbSnapshotStore snapshots = new DynamoDbSnapshotStore(dynamo, deployed.snapshotTable());
        // written 100 days ago (archive's idle test), a snapshot every 5 events
        EventStore<Count> old = EventStore.builder(OpsTestApp.COUNTER, ledger)
                .snapshots(snapshots, SnapshotPolicy.everyNEvents(5))
                .clock(Clock.fixed(Instant.now().minus(Duration.ofDays(100)), ZoneOffset.UTC)).build();
        for (int i = 0; i < 6; i++) {
            for (int k = 1; k <= 6; k++) {
                old.execute("k" + i, new Add(k));
            }
        }
        String app = OpsTestApp.jar(tmp).toString();
        DynamoDbProjectionWriter<Total> totals = new DynamoDbProjectionWriter<>(dynamo, "ops-ops-total", Total.class);
        DynamoDbProjectionWriter<Total> others = new DynamoDbProjectionWriter<>(dynamo, "ops-ops-other", Total.class);

        // no view yet: verify finds every one stale, names them and exits 3
        AwsTemplateCommandTest.Run stale = region("verify", "--app", app);
        assertThat(stale.exitCode()).as(stale.err()).isEqualTo(VerifyCommand.STALE);
        assertThat(stale.out()).contains("checked 6 aggregates, 12 views").contains(": 12 stale")
                .contains("dynamodb:ops-ledger").containsPattern("ops-other +k3 +view v0, ledger v6");

        AwsTemplateCommandTest.Run rebuilt = region("rebuild", "ops-total", "--progress", "none", "--checkpoint",
                tmp.resolve("rebuild.json").toString(), "--app", app);
        assertThat(rebuilt.exitCode()).as(rebuilt.err()).isZero();
        assertThat(rebuilt.out()).contains("rebuilt ops-total: 6 aggregates");
        assertThat(totals.read("k3").orElseThrow().view()).isEqualTo(new Total(21));
        assertThat(others.read("k3")).as("a rebuild feeds its projection only").isEmpty();

        AwsTemplateCommandTest.Run half = region("verify", "--app", app);
        assertThat(half.exitCode()).isEqualTo(VerifyCommand.STALE);
        assertThat(half.out()).contains(": 6 stale").doesNotContain("ops-total ");
        AwsTemplateCommandTest.Run repaired = region("verify", "--repair", "--app", app);
        assertThat(repaired.exitCode()).as(repaired.err()).isZero();
        assertThat(repaired.out()).contains(": 6 stale, 6 repair messages sent");
        assertThat(others.read("k3").orElseThrow().view()).isEqualTo(new Total(-21));
        AwsTemplateCommandTest.Run clean = region("verify", "--app", app);
        assertThat(clean.exitCode()).as(clean.out()).isZero();
        assertThat(clean.out()).contains(": 0 stale");

        // snapshots: every aggregate has one at v5; a corrupted one is found
        AwsTemplateCommandTest.Run checked = region("verify-snapshots", "ops-counter", "--app", app);
        assertThat(checked.exitCode()).as(checked.err()).isZero();
        assertThat(checked.out()).contains("ops-counter: checked 6 snapshots, 0 aggregates without one: 0 mismatches");
        Snapshot good = snapshots.latest("ops-counter", "k2", OpsTestApp.COUNTER.reducerVersion()).orElseThrow();
        snapshots.save(new Snapshot("ops-counter", "k2", good.version(), good.reducerVersion(),
                JsonCodec.toTree(new Count(-1)), good.takenAt()));
        AwsTemplateCommandTest.Run mismatch = region("verify-snapshots", "ops-counter", "--app", app);
        assertThat(mismatch.exitCode()).isEqualTo(VerifySnapshotsCommand.MISMATCH);
        assertThat(mismatch.out()).contains("1 mismatches").contains("ops-counter/k2: snapshot at v5");
        snapshots.save(good);

        // archive to S3: each stream leaves the ledger but for the marker; loads and rebuilds read it back
        S3ArchiveStore s3 = S3ArchiveStore.at(URI.create("s3://ops-archive/ledger"), moto.endpoint(),
                Region.of(MotoServer.REGION));
        s3.client().createBucket(b -> b.bucket("ops-archive"));
        List<RecordedEvent> before = ledger.read("ops-counter", "k4", ReadOptions.ALL);
        String[] archive = {"--archive-s3", "s3://ops-archive/ledger", "--s3-endpoint", moto.endpoint().toString()};
        AwsTemplateCommandTest.Run archived = region(concat(new String[] {"archive", "ops-counter", "--idle-days", "90",
            "--progress", "none", "--app", app}, archive));
        assertThat(archived.exitCode()).as(archived.err()).isZero();
        assertThat(archived.out()).contains("6 aggregates looked at, 6 archived (36 events moved)");
        assertThat(s3.get("ops-counter", "k4")).isEqualTo(before);
        assertThat(ledger.read("ops-counter", "k4", ReadOptions.ALL)).singleElement()
                .satisfies(e -> assertThat(e.type()).isEqualTo(StreamArchived.TYPE_NAME));
        dynamo.deleteItem(b -> b.tableName("ops-ops-total").key(Map.of(DynamoDbProjectionWriter.KEY,
                AttributeValue.fromS("k4"))));
        AwsTemplateCommandTest.Run afterArchive = region(concat(new String[] {"verify", "--repair", "--app", app},
                archive));
        assertThat(afterArchive.exitCode()).as(afterArchive.err()).isZero();
        // the archive marker is each stream's v7: every view is one version behind, k4's total missing
        assertThat(afterArchive.out()).contains(": 12 stale, 12 repair messages sent")
                .containsPattern("ops-total +k4 +view v0, ledger v7");
        assertThat(totals.read("k4").orElseThrow().view()).as("folded from the archived history")
                .isEqualTo(new Total(21));
        assertThat(totals.read("k4").orElseThrow().version()).isEqualTo(7);
    }

    private static AwsTemplateCommandTest.Run region(String... args) {
        return AwsTemplateCommandTest.tally(concat(args, new String[] {"--region", MotoServer.REGION}));
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void withRegionTheAppMustBeGiven() {
        AwsTemplateCommandTest.Run r = AwsTemplateCommandTest.tally("forget", "member", "m1", "--region",
                MotoServer.REGION);
        assertThat(r.exitCode()).isNotZero();
        assertThat(r.err()).contains("--app");
    }
}
