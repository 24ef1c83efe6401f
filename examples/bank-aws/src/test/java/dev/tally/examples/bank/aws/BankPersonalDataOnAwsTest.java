package dev.tally.examples.bank.aws;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.aws.KmsMasterKey;
import dev.tally.aws.app.CommandFunction;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.privacy.PersonalData;
import dev.tally.core.privacy.SubjectKeys;
import dev.tally.dynamodb.DynamoDbTables;
import dev.tally.dynamodb.DynamoDbWrappedKeyStore;
import dev.tally.dynamodb.TableDefinitions;
import dev.tally.examples.bank.BankApp;
import dev.tally.testing.MotoServer;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.kms.KmsClient;

/**
 * The bank declares personal data (the holder's name and email): its template creates the KMS key
 * and the wrapped-keys table, grants the command function alone {@code kms:GenerateDataKey} and
 * {@code kms:Decrypt} on that key and {@code GetItem}/{@code PutItem} on that table, and the command
 * function built from that environment seals on moto_server's KMS and DynamoDB.
 */
class BankPersonalDataOnAwsTest {
    static MotoServer moto;
    final JsonNode template = BankTemplate.render();

    @BeforeAll
    static void start() {
        moto = MotoServer.startOrSkip();
        // the function takes credentials from the default AWS chain, as on Lambda
        System.setProperty("aws.accessKeyId", MotoServer.ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", MotoServer.SECRET_KEY);
    }

    @AfterAll
    static void stop() {
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
        if (moto != null) {
            moto.close();
        }
    }

    /** Role -> action -> the resources (logical id) it is allowed on. */
    static Map<String, Map<String, Set<String>>> grants(JsonNode template) {
        Map<String, Map<String, Set<String>>> out = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = template.get("Resources").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().get("Type").asText().equals("AWS::IAM::Role")) {
                continue;
            }
            for (JsonNode policy : e.getValue().get("Properties").get("Policies")) {
                for (JsonNode s : policy.get("PolicyDocument").get("Statement")) {
                    for (JsonNode a : s.get("Action")) {
                        for (JsonNode r : s.get("Resource")) {
                            out.computeIfAbsent(e.getKey(), k -> new TreeMap<>())
                                    .computeIfAbsent(a.asText(), k -> new TreeSet<>())
                                    .add(r.path("Fn::GetAtt").path(0).asText(r.toString()));
                        }
                    }
                }
            }
        }
        return out;
    }

    @Test
    void onlyTheCommandFunctionMayUseTheKeyAndOnlyForWhatSealingCalls() {
        JsonNode r = template.get("Resources");
        assertThat(r.get("DataKeysMasterKey").get("Type").asText()).isEqualTo("AWS::KMS::Key");
        assertThat(r.get("DataKeysMasterKey").get("DeletionPolicy").asText()).isEqualTo("Retain");
        assertThat(r.get("DataKeysMasterKey").get("Properties").get("EnableKeyRotation").asBoolean()).isTrue();
        assertThat(r.get("DataKeysTable").get("DeletionPolicy").asText()).isEqualTo("Retain");
        assertThat(r.get("DataKeysTable").get("Properties").get("DeletionProtectionEnabled").asBoolean()).isTrue();

        Map<String, Map<String, Set<String>>> g = grants(template);
        g.forEach((role, actions) -> actions.forEach((action, resources) -> {
            if (action.startsWith("kms:")) {
                assertThat(role).as(action).isEqualTo("CommandRole");
                assertThat(resources).as(action).containsExactly("DataKeysMasterKey");
            }
            if (resources.contains("DataKeysTable")) {
                assertThat(role).as(action).isEqualTo("CommandRole");
            }
        }));
        assertThat(g.get("CommandRole").keySet().stream().filter(a -> a.startsWith("kms:")))
                .containsExactlyInAnyOrder("kms:GenerateDataKey", "kms:Decrypt");
        List<String> onKeysTable = g.get("CommandRole").entrySet().stream()
                .filter(e -> e.getValue().contains("DataKeysTable")).map(Map.Entry::getKey).toList();
        assertThat(onKeysTable).containsExactlyInAnyOrder("dynamodb:GetItem", "dynamodb:PutItem");
        JsonNode env = r.get("CommandFunction").get("Properties").get("Environment").get("Variables");
        assertThat(env.get("TALLY_MASTER_KEY_ARN").get("Fn::GetAtt").get(0).asText()).isEqualTo("DataKeysMasterKey");
        assertThat(env.get("TALLY_DATA_KEYS_TABLE").get("Ref").asText()).isEqualTo("DataKeysTable");
    }

    static <B extends software.amazon.awssdk.awscore.client.builder.AwsClientBuilder<B, ?>
            & software.amazon.awssdk.core.client.builder.SdkSyncClientBuilder<B, ?>> B local(B builder) {
        return builder.region(Region.US_EAST_1).endpointOverride(moto.endpoint())
                .httpClient(UrlConnectionHttpClient.create()).credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(MotoServer.ACCESS_KEY, MotoServer.SECRET_KEY)));
    }

    /** A function's environment in the template (Globals and its own), with Ref and GetAtt resolved. */
    static Map<String, String> deployedEnvironment(JsonNode template, String function, Map<String, String> values) {
        Map<String, String> env = new HashMap<>();
        JsonNode global = template.path("Globals").path("Function").path("Environment").path("Variables");
        JsonNode own = template.path("Resources").path(function).path("Properties").path("Environment").path("Variables");
        for (JsonNode vars : List.of(global, own)) {
            for (Iterator<Map.Entry<String, JsonNode>> it = vars.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode v = e.getValue();
                String key = v.isTextual() ? null : v.has("Ref") ? v.get("Ref").asText()
                        : v.get("Fn::GetAtt").get(0).asText() + "." + v.get("Fn::GetAtt").get(1).asText();
                if (key == null) {
                    env.put(e.getKey(), v.asText());
                } else {
                    assertThat(values).as("a value for %s (variable %s)", key, e.getKey()).containsKey(key);
                    env.put(e.getKey(), values.get(key));
                }
            }
        }
        return env;
    }

    @Test
    void theDeployedCommandFunctionSealsTheHoldersNameWithAKmsDataKey() {
        String id = UUID.randomUUID().toString().substring(0, 8);
        DynamoDbClient dynamo = local(DynamoDbClient.builder()).build();
        KmsClient kms = local(KmsClient.builder()).build();
        String ledger = "bank-ledger-" + id;
        String snapshots = "bank-snapshots-" + id;
        String keysTable = "bank-data-keys-" + id;
        DynamoDbTables.createIfMissing(dynamo, TableDefinitions.ledger(ledger));
        DynamoDbTables.createIfMissing(dynamo, TableDefinitions.snapshots(snapshots));
        DynamoDbTables.createIfMissing(dynamo, TableDefinitions.keyValue(keysTable));
        String keyArn = kms.createKey(b -> b.description("bank " + id)).keyMetadata().arn();

        Map<String, String> env = deployedEnvironment(template, "CommandFunction", Map.of("LedgerTable", ledger,
                "SnapshotTable", snapshots, "DataKeysTable", keysTable, "DataKeysMasterKey.Arn", keyArn));
        env.put("AWS_REGION", MotoServer.REGION);
        env.put("AWS_ENDPOINT_URL", moto.endpoint().toString());
        CommandFunction commands = CommandFunction.fromEnvironment(new BankApp(), env);

        APIGatewayV2HTTPResponse response = commands.handleRequest(setHolder("kim-" + id,
                "{\"name\": \"Kim Mason\", \"email\": \"kim@example.com\"}"), null);
        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(200);

        // the ledger holds the sealed form only; the wrapped data key is in the keys table
        String stored = dynamo.scan(b -> b.tableName(ledger)).items().stream()
                .map(item -> item.values().stream().map(AttributeValue::toString).reduce("", String::concat))
                .reduce("", String::concat);
        assertThat(stored).contains(PersonalData.PREFIX).doesNotContain("Kim Mason").doesNotContain("kim@example.com");
        assertThat(dynamo.scan(b -> b.tableName(keysTable)).items()).hasSize(1);

        // a reader with the same KMS key and table opens it (Decrypt of the stored data key)
        PersonalData reader = new PersonalData(SubjectKeys.builder(new KmsMasterKey(kms, keyArn),
                new DynamoDbWrappedKeyStore(dynamo, keysTable)).build());
        var store = dev.tally.core.EventStore.builder(dev.tally.examples.bank.BankAccount.DEFINITION,
                new dev.tally.dynamodb.DynamoDbLedger(dynamo, ledger)).build();
        JsonNode event = store.read("kim-" + id, dev.tally.core.ReadOptions.ALL)
                .stream().filter(e -> e.type().equals("HolderChanged")).findFirst().map(e -> (JsonNode) JsonCodec.mapper()
                        .valueToTree(e.payload())).orElseThrow();
        assertThat(event.toString()).doesNotContain("Kim Mason");
        JsonNode revealed = reader.reveal(event, JsonCodec.mapper().getNodeFactory().textNode(PersonalData.FORGOTTEN)).value();
        assertThat(revealed.get("name").asText()).isEqualTo("Kim Mason");
        assertThat(revealed.get("email").asText()).isEqualTo("kim@example.com");
    }

    static APIGatewayV2HTTPEvent setHolder(String account, String body) {
        String path = "/api/stores/bank-account/" + account + "/commands/SetHolder";
        APIGatewayV2HTTPEvent e = new APIGatewayV2HTTPEvent();
        e.setRawPath(path);
        e.setBody(body);
        e.setHeaders(Map.of("content-type", "application/json"));
        e.setRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
                .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod("POST").withPath(path).build())
                .build());
        return e;
    }
}
