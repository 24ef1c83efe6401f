package dev.tally.examples.bank.aws;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.aws.KmsMasterKey;
import dev.tally.aws.app.CommandFunction;
import dev.tally.aws.app.QueryFunction;
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
        // the function takes credentials from the default AWS chain, as on Lambda
        moto = MotoServer.startOrSkipAsDefaultCredentials();
    }

    @AfterAll
    static void stop() {
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
    void theCommandFunctionSealsTheQueryFunctionOnlyRevealsAndNoOtherFunctionMayUseTheKeys() {
        JsonNode r = template.get("Resources");
        assertThat(r.get("DataKeysMasterKey").get("Type").asText()).isEqualTo("AWS::KMS::Key");
        assertThat(r.get("DataKeysMasterKey").get("DeletionPolicy").asText()).isEqualTo("Retain");
        assertThat(r.get("DataKeysMasterKey").get("Properties").get("EnableKeyRotation").asBoolean()).isTrue();
        assertThat(r.get("DataKeysTable").get("DeletionPolicy").asText()).isEqualTo("Retain");
        assertThat(r.get("DataKeysTable").get("Properties").get("DeletionProtectionEnabled").asBoolean()).isTrue();

        Map<String, Map<String, Set<String>>> g = grants(template);
        g.forEach((role, actions) -> actions.forEach((action, resources) -> {
            if (action.startsWith("kms:")) {
                assertThat(role).as(action).isIn("CommandRole", "QueryRole");
                assertThat(resources).as(action).containsExactly("DataKeysMasterKey");
            }
            if (resources.contains("DataKeysTable")) {
                assertThat(role).as(action).isIn("CommandRole", "QueryRole");
            }
        }));
        // the command function seals: a subject's first key (GenerateDataKey, conditional PutItem) or a stored one
        assertThat(g.get("CommandRole").keySet().stream().filter(a -> a.startsWith("kms:")))
                .containsExactlyInAnyOrder("kms:GenerateDataKey", "kms:Decrypt");
        assertThat(onTable(g, "CommandRole", "DataKeysTable")).containsExactlyInAnyOrder("dynamodb:GetItem",
                "dynamodb:PutItem");
        // the query function reveals: looks a stored key up and unwraps it, never makes or writes one
        assertThat(g.get("QueryRole").keySet().stream().filter(a -> a.startsWith("kms:")))
                .containsExactly("kms:Decrypt");
        assertThat(onTable(g, "QueryRole", "DataKeysTable")).containsExactly("dynamodb:GetItem");
        // and beyond that it only reads: Query on the ledger, its three event query indexes and the snapshots,
        // BatchGetItem on the ledger (the events an index names, for GET /api/events and /api/trace), GetItem
        // on the view tables, its logs
        assertThat(g.get("QueryRole")).containsOnlyKeys("dynamodb:Query", "dynamodb:GetItem", "dynamodb:BatchGetItem",
                "kms:Decrypt", "logs:CreateLogStream", "logs:PutLogEvents");
        assertThat(g.get("QueryRole").get("dynamodb:BatchGetItem")).containsExactly("LedgerTable");
        assertThat(g.get("QueryRole").get("dynamodb:Query")).containsExactlyInAnyOrder("LedgerTable", "SnapshotTable",
                "{\"Fn::Sub\":\"${LedgerTable.Arn}/index/correlations\"}",
                "{\"Fn::Sub\":\"${LedgerTable.Arn}/index/days\"}",
                "{\"Fn::Sub\":\"${LedgerTable.Arn}/index/types\"}");
        assertThat(g.get("QueryRole").get("dynamodb:GetItem")).containsExactlyInAnyOrder("DataKeysTable",
                "BalanceViewTable", "LastTransactionViewTable", "LastMonthBalanceViewTable", "HolderViewTable");
        for (String function : List.of("CommandFunction", "QueryFunction")) {
            JsonNode env = r.get(function).get("Properties").get("Environment").get("Variables");
            assertThat(env.get("TALLY_MASTER_KEY_ARN").get("Fn::GetAtt").get(0).asText()).as(function)
                    .isEqualTo("DataKeysMasterKey");
            assertThat(env.get("TALLY_DATA_KEYS_TABLE").get("Ref").asText()).as(function).isEqualTo("DataKeysTable");
        }
    }

    private static List<String> onTable(Map<String, Map<String, Set<String>>> g, String role, String table) {
        return g.get(role).entrySet().stream().filter(e -> e.getValue().contains(table)).map(Map.Entry::getKey).toList();
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
                if (v.has("Fn::Sub")) { // ${LogicalId} placeholders, e.g. TALLY_VIEW_TABLES
                    var m = java.util.regex.Pattern.compile("\\$\\{([^}]+)}").matcher(v.get("Fn::Sub").asText());
                    StringBuilder out = new StringBuilder();
                    while (m.find()) {
                        assertThat(values).as("a value for %s (variable %s)", m.group(1), e.getKey()).containsKey(m.group(1));
                        m.appendReplacement(out, java.util.regex.Matcher.quoteReplacement(values.get(m.group(1))));
                    }
                    env.put(e.getKey(), m.appendTail(out).toString());
                    continue;
                }
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

    /**
     * The query function built from the template's environment answers both reading routes as
     * {@code tally serve} does: the holder revealed for the reader, and after a forget (the data key
     * destroyed, as {@code tally forget} has the server do) {@code "(forgotten)"}, never a sealed string.
     */
    @Test
    void theDeployedQueryFunctionRevealsTheHolderAndShowsForgottenOnceTheKeyIsDestroyed() {
        String id = UUID.randomUUID().toString().substring(0, 8);
        String account = "kim-" + id;
        DynamoDbClient dynamo = local(DynamoDbClient.builder()).build();
        KmsClient kms = local(KmsClient.builder()).build();
        Map<String, String> values = new HashMap<>();
        values.put("LedgerTable", "bank-ledger-" + id);
        values.put("SnapshotTable", "bank-snapshots-" + id);
        values.put("DataKeysTable", "bank-data-keys-" + id);
        DynamoDbTables.createIfMissing(dynamo, TableDefinitions.ledger(values.get("LedgerTable")));
        DynamoDbTables.createIfMissing(dynamo, TableDefinitions.snapshots(values.get("SnapshotTable")));
        DynamoDbTables.createIfMissing(dynamo, TableDefinitions.keyValue(values.get("DataKeysTable")));
        for (String view : List.of("Balance", "LastTransaction", "LastMonthBalance", "Holder")) {
            values.put(view + "ViewTable", "bank-" + view.toLowerCase() + "-view-" + id);
            DynamoDbTables.createIfMissing(dynamo, TableDefinitions.views(values.get(view + "ViewTable")));
        }
        String keyArn = kms.createKey(b -> b.description("bank " + id)).keyMetadata().arn();
        values.put("DataKeysMasterKey.Arn", keyArn);

        BankApp app = new BankApp();
        CommandFunction commands = CommandFunction.fromEnvironment(app, onMoto(deployedEnvironment(template,
                "CommandFunction", values)));
        Map<String, String> queryEnv = onMoto(deployedEnvironment(template, "QueryFunction", values));
        assertThat(queryEnv).containsKeys("TALLY_MASTER_KEY_ARN", "TALLY_DATA_KEYS_TABLE", "TALLY_VIEW_TABLES");
        // a warm instance keeps unwrapped keys no longer than TALLY_KEY_CACHE_TTL (here: not at all)
        Map<String, String> uncached = new HashMap<>(queryEnv);
        uncached.put("TALLY_KEY_CACHE_TTL", "PT0S");
        QueryFunction warm = QueryFunction.fromEnvironment(app, uncached);

        APIGatewayV2HTTPResponse set = commands.handleRequest(setHolder(account,
                "{\"name\": \"Kim Mason\", \"email\": \"kim@example.com\"}"), null);
        assertThat(set.getStatusCode()).as(set.getBody()).isEqualTo(200);
        // the holder projector writes what the dispatcher publishes: the state with the sealed values
        var stores = dev.tally.aws.app.AppFunctions.stores(app, dynamo, values.get("LedgerTable"), null,
                dev.tally.aws.app.AppFunctions.Snapshots.READ_ONLY);
        project(app, dynamo, stores, values.get("HolderViewTable"), account);
        assertThat(dynamo.scan(b -> b.tableName(values.get("HolderViewTable"))).items().toString())
                .contains(PersonalData.PREFIX).doesNotContain("Kim Mason");

        // what serve answers: the same body, with the stored state revealed by a reader of the same keys
        PersonalData reader = new PersonalData(SubjectKeys.builder(new KmsMasterKey(kms, keyArn),
                new DynamoDbWrappedKeyStore(dynamo, values.get("DataKeysTable"))).cacheTtl(java.time.Duration.ZERO).build());
        JsonNode storedState = storedState(stores.get("bank-account"), account);
        assertThat(storedState.get("holder").get("name").asText()).startsWith(PersonalData.PREFIX);

        for (QueryFunction queries : List.of(warm, QueryFunction.fromEnvironment(app, queryEnv))) {
            JsonNode aggregate = get(queries, "/api/stores/bank-account/" + account + "/aggregate");
            assertThat(fieldNames(aggregate)).containsExactly("store", "aggregateId", "version", "state");
            assertThat(aggregate.get("state")).isEqualTo(reader.reveal(storedState, null).value());
            assertThat(aggregate.get("state").get("holder").get("name").asText()).isEqualTo("Kim Mason");
            assertThat(aggregate.get("state").get("holder").get("email").asText()).isEqualTo("kim@example.com");
            JsonNode view = get(queries, "/api/views/holder/" + account);
            assertThat(fieldNames(view)).containsExactly("projection", "key", "version", "view");
            assertThat(view.get("view").toString()).isEqualTo("{\"name\":\"Kim Mason\",\"email\":\"kim@example.com\"}");
        }

        // forget, as tally forget has the server do: the subject's wrapped key is destroyed, the audit
        // event appended; the projector refreshes the view at the audit event
        var keyed = dev.tally.aws.app.AppFunctions.stores(app, dynamo, values.get("LedgerTable"), null,
                dev.tally.aws.app.AppFunctions.Snapshots.READ_ONLY, reader);
        keyed.get("bank-account").forget(account);
        assertThat(dynamo.scan(b -> b.tableName(values.get("DataKeysTable"))).items()).isEmpty();
        project(app, dynamo, stores, values.get("HolderViewTable"), account);

        for (QueryFunction queries : List.of(warm, QueryFunction.fromEnvironment(app, queryEnv))) {
            APIGatewayV2HTTPResponse raw = queries.handleRequest(getRequest("/api/stores/bank-account/" + account
                    + "/aggregate"), null);
            assertThat(raw.getBody()).doesNotContain(PersonalData.PREFIX).doesNotContain("Kim Mason")
                    .doesNotContain("kim@example.com");
            JsonNode holder = JsonCodec.parse(raw.getBody()).get("state").get("holder");
            assertThat(holder.get("name").asText()).isEqualTo(PersonalData.FORGOTTEN);
            assertThat(holder.get("email").asText()).isEqualTo(PersonalData.FORGOTTEN);
            APIGatewayV2HTTPResponse view = queries.handleRequest(getRequest("/api/views/holder/" + account), null);
            assertThat(view.getStatusCode()).as(view.getBody()).isEqualTo(200);
            assertThat(view.getBody()).doesNotContain(PersonalData.PREFIX).doesNotContain("Kim Mason");
            assertThat(JsonCodec.parse(view.getBody()).get("view").toString()).isEqualTo("{\"name\":\""
                    + PersonalData.FORGOTTEN + "\",\"email\":\"" + PersonalData.FORGOTTEN + "\"}");
        }
    }

    private static <S> JsonNode storedState(dev.tally.core.EventStore<S> store, String account) {
        return store.stateToJson(store.load(account).state());
    }

    private static Map<String, String> onMoto(Map<String, String> env) {
        env.put("AWS_REGION", MotoServer.REGION);
        env.put("AWS_ENDPOINT_URL", moto.endpoint().toString());
        return env;
    }

    /** The holder view of the account's head event, as the deployed dispatcher and holder projector make it. */
    private static void project(BankApp app, DynamoDbClient dynamo, Map<String, dev.tally.core.EventStore<?>> stores,
                                String table, String account) {
        var store = stores.get("bank-account");
        var events = store.read(account, dev.tally.core.ReadOptions.ALL);
        var message = new dev.tally.core.runtime.Dispatcher(List.copyOf(stores.values()), messages -> {
        }).messageFor(events.get(events.size() - 1));
        try {
            dev.tally.aws.app.AppProjectorFunction.projector(app, dynamo, "holder", table).handle(message);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static JsonNode get(QueryFunction queries, String path) {
        APIGatewayV2HTTPResponse r = queries.handleRequest(getRequest(path), null);
        assertThat(r.getStatusCode()).as(r.getBody()).isEqualTo(200);
        assertThat(r.getBody()).doesNotContain(PersonalData.PREFIX);
        return JsonCodec.parse(r.getBody());
    }

    private static List<String> fieldNames(JsonNode n) {
        List<String> names = new java.util.ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }

    static APIGatewayV2HTTPEvent getRequest(String path) {
        APIGatewayV2HTTPEvent e = new APIGatewayV2HTTPEvent();
        e.setRawPath(path);
        e.setRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
                .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod("GET").withPath(path).build())
                .build());
        return e;
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
