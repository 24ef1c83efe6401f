package dev.tally.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.aws.KmsMasterKey;
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
 * {@code tally forget STORE ID --region R --app JAR} on a deployed app's tables, on moto_server: the
 * tables are found by the app's name as the template names them, the subject's wrapped data key is
 * destroyed and the audit event appended, with the operator's credentials from the default chain
 * and the endpoint overridden the SDK's standard way ({@code aws.endpointUrl}, as
 * {@code AWS_ENDPOINT_URL} does for a process). Skipped with install advice where moto is missing.
 */
class ForgetOnAwsMotoTest {
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
    void withRegionTheAppMustBeGiven() {
        AwsTemplateCommandTest.Run r = AwsTemplateCommandTest.tally("forget", "member", "m1", "--region",
                MotoServer.REGION);
        assertThat(r.exitCode()).isNotZero();
        assertThat(r.err()).contains("--app");
    }
}
