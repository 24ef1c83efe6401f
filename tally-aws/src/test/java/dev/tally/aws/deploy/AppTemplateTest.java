package dev.tally.aws.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.aws.app.MeterApp;
import dev.tally.core.json.JsonCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The generator on a small app: cfn-lint clean, least privilege per function, the alarms, the
 * ledger's retention guard, and a saga-like target added with one call.
 */
class AppTemplateTest {
    final AppTemplate generator = new AppTemplate(new MeterApp(), "meter.jar");
    final ObjectNode template = generator.render();

    /** Role -> action -> the logical ids (with attribute) it is allowed on. */
    static Map<String, Map<String, Set<String>>> grants(JsonNode template) {
        Map<String, Map<String, Set<String>>> out = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = template.get("Resources").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().get("Type").asText().equals("AWS::IAM::Role")) {
                continue;
            }
            Map<String, Set<String>> actions = out.computeIfAbsent(e.getKey(), k -> new TreeMap<>());
            for (JsonNode policy : e.getValue().get("Properties").get("Policies")) {
                for (JsonNode s : policy.get("PolicyDocument").get("Statement")) {
                    for (JsonNode a : s.get("Action")) {
                        for (JsonNode r : s.get("Resource")) {
                            JsonNode att = r.path("Fn::GetAtt");
                            actions.computeIfAbsent(a.asText(), k -> new TreeSet<>()).add(att.isArray()
                                    ? att.get(0).asText() + "." + att.get(1).asText()
                                    : r.path("Fn::Sub").asText().replace("${", "").replace("}", ""));
                        }
                    }
                }
            }
        }
        return out;
    }

    static Set<String> rolesAllowing(Map<String, Map<String, Set<String>>> grants, String action, String resource) {
        Set<String> roles = new TreeSet<>();
        grants.forEach((role, actions) -> {
            if (actions.getOrDefault(action, Set.of()).contains(resource)) {
                roles.add(role);
            }
        });
        return roles;
    }

    @Test
    void cfnLintFindsNothing() throws Exception {
        Path file = Path.of("target", "meter-template.json");
        Files.createDirectories(file.getParent());
        Files.writeString(file, generator.json());
        CfnLint.Result r = CfnLint.lint(file).orElse(null);
        org.junit.jupiter.api.Assumptions.assumeTrue(r != null, "cfn-lint was not found: " + CfnLint.INSTALL);
        assertThat(r.clean()).as("cfn-lint on %s:%n%s", file, r.output()).isTrue();
    }

    @Test
    void eachFunctionMayCallOnlyWhatItsCodeCallsOnItsOwnResources() {
        assertThat(TemplateChecks.leastPrivilege(template)).isEmpty();
        var g = grants(template);
        assertThat(g.keySet()).containsExactly("CommandRole", "DispatcherRole", "MeterTotalProjectorRole",
                "QueryRole");
        // the ledger: appended by the command function alone
        assertThat(rolesAllowing(g, "dynamodb:PutItem", "LedgerTable.Arn")).containsExactly("CommandRole");
        assertThat(rolesAllowing(g, "dynamodb:ConditionCheckItem", "LedgerTable.Arn")).containsExactly("CommandRole");
        // snapshots: the dispatcher reads them and cannot write one; only commands take them
        assertThat(rolesAllowing(g, "dynamodb:PutItem", "SnapshotTable.Arn")).containsExactly("CommandRole");
        assertThat(g.get("DispatcherRole")).containsOnlyKeys("dynamodb:Query", "dynamodb:DescribeStream",
                "dynamodb:GetRecords", "dynamodb:GetShardIterator", "events:PutEvents", "sqs:SendMessage",
                "logs:CreateLogStream", "logs:PutLogEvents");
        assertThat(g.get("DispatcherRole").get("dynamodb:Query")).containsExactly("LedgerTable.Arn",
                "SnapshotTable.Arn");
        assertThat(g.get("DispatcherRole").get("dynamodb:GetRecords")).containsExactly("LedgerTable.StreamArn");
        assertThat(rolesAllowing(g, "events:PutEvents", "EventBus.Arn")).containsExactly("DispatcherRole");
        assertThat(g.get("DispatcherRole").get("sqs:SendMessage")).containsExactly("DispatcherDeadLetters.Arn");
        // a projector writes its own view table and nothing else
        assertThat(g.get("MeterTotalProjectorRole").get("dynamodb:PutItem")).containsExactly("MeterTotalViewTable.Arn");
        assertThat(g.get("MeterTotalProjectorRole").get("sqs:SendMessage")).containsExactly("TargetDeadLetters.Arn");
        // the query function only reads
        assertThat(g.get("QueryRole")).containsOnlyKeys("dynamodb:Query", "dynamodb:GetItem",
                "dynamodb:BatchGetItem", "logs:CreateLogStream", "logs:PutLogEvents");
        // events by type, correlation id and time: the ledger's three query indexes, then the items
        assertThat(g.get("QueryRole").get("dynamodb:Query")).contains("LedgerTable.Arn/index/types",
                "LedgerTable.Arn/index/correlations", "LedgerTable.Arn/index/days");
        assertThat(g.get("QueryRole").get("dynamodb:BatchGetItem")).containsExactly("LedgerTable.Arn");
        assertThat(g.get("QueryRole").get("dynamodb:GetItem")).containsExactly("MeterTotalViewTable.Arn");
        // each function writes only its own log group
        g.forEach((role, actions) -> assertThat(actions.get("logs:PutLogEvents"))
                .containsExactly(role.replace("Role", "LogGroup") + ".Arn"));
    }

    @Test
    void theDispatcherWritesItsOwnDeadLetterQueueWhichOnlyItMaySendToAndWhichHasAnAlarm() {
        JsonNode r = template.get("Resources");
        assertThat(r.get("DispatcherFunction").get("Properties").get("Environment").get("Variables")
                .get("TALLY_DISPATCHER_DLQ_URL").get("Ref").asText()).isEqualTo("DispatcherDeadLetters");
        assertThat(rolesAllowing(grants(template), "sqs:SendMessage", "DispatcherDeadLetters.Arn"))
                .containsExactly("DispatcherRole");
        var anyOtherAction = new ArrayList<String>();
        grants(template).forEach((role, actions) -> actions.forEach((action, on) -> {
            if (on.contains("DispatcherDeadLetters.Arn") && !action.equals("sqs:SendMessage")) {
                anyOtherAction.add(role + " " + action);
            }
        }));
        assertThat(anyOtherAction).isEmpty();
        JsonNode alarm = r.get("DispatcherDeadLettersAlarm").get("Properties");
        assertThat(alarm.get("MetricName").asText()).isEqualTo("ApproximateNumberOfMessagesVisible");
        assertThat(alarm.get("Dimensions").get(0).get("Value").get("Fn::GetAtt").get(0).asText())
                .isEqualTo("DispatcherDeadLetters");
        assertThat(r.get("DispatcherDeadLetters").get("DeletionPolicy").asText()).isEqualTo("Retain");
        // an app without personal data gets no KMS key and no grant of one
        assertThat(r.has("DataKeysMasterKey")).isFalse();
        grants(template).values().forEach(actions -> assertThat(actions.keySet()).noneMatch(a -> a.startsWith("kms:")));
    }

    @Test
    void theChecksCatchAWildcardAScanAndAPolicyTemplate() {
        ObjectNode broken = template.deepCopy();
        ArrayNode statements = (ArrayNode) broken.get("Resources").get("DispatcherRole").get("Properties")
                .get("Policies").get(0).get("PolicyDocument").get("Statement");
        statements.add(Cfn.allow(List.of("dynamodb:*"), Cfn.getAtt("SnapshotTable", "Arn")));
        statements.add(Cfn.allow(List.of("dynamodb:Scan"), JsonCodec.mapper().getNodeFactory().textNode("*")));
        ((ObjectNode) broken.get("Resources").get("QueryFunction").get("Properties")).putArray("Policies")
                .addObject().putObject("DynamoDBReadPolicy").put("TableName", "x");
        assertThat(TemplateChecks.leastPrivilege(broken)).hasSize(4)
                .anySatisfy(f -> assertThat(f).contains("wildcard action 'dynamodb:*'"))
                .anySatisfy(f -> assertThat(f).contains("dynamodb:Scan"))
                .anySatisfy(f -> assertThat(f).contains("'*' as a resource"))
                .anySatisfy(f -> assertThat(f).contains("QueryFunction has SAM Policies"));
    }

    @Test
    void deadLettersIteratorAgeAndErrorsHaveAlarmsAndLogsARetention() {
        assertThat(TemplateChecks.observability(template)).isEmpty();
        JsonNode r = template.get("Resources");
        JsonNode iteratorAge = r.get("DispatcherIteratorAgeAlarm").get("Properties");
        assertThat(iteratorAge.get("MetricName").asText()).isEqualTo("IteratorAge");
        assertThat(iteratorAge.get("Threshold").asInt()).isEqualTo(AppTemplate.ITERATOR_AGE_ALARM_MS);
        JsonNode dlq = r.get("TargetDeadLettersAlarm").get("Properties");
        assertThat(dlq.get("Threshold").asInt()).isZero();
        assertThat(dlq.get("ComparisonOperator").asText()).isEqualTo("GreaterThanThreshold");
        assertThat(r.get("CommandLogGroup").get("Properties").get("RetentionInDays").asInt())
                .isEqualTo(AppTemplate.LOG_RETENTION_DAYS);

        ObjectNode missing = template.deepCopy();
        ((ObjectNode) missing.get("Resources")).remove(List.of("DispatcherIteratorAgeAlarm", "TargetDeadLettersAlarm",
                "QueryErrorsAlarm"));
        assertThat(TemplateChecks.observability(missing)).hasSize(3);
    }

    @Test
    void theLedgerOutlivesTheStackAndRuleDeadLettersUseSamsOwnProperty() {
        JsonNode ledger = template.get("Resources").get("LedgerTable");
        assertThat(ledger.get("DeletionPolicy").asText()).isEqualTo("Retain");
        assertThat(ledger.get("UpdateReplacePolicy").asText()).isEqualTo("Retain");
        assertThat(ledger.get("Properties").get("DeletionProtectionEnabled").asBoolean()).isTrue();
        JsonNode rule = template.get("Resources").get("MeterTotalProjectorFunction").get("Properties").get("Events")
                .get("Rule").get("Properties");
        // SAM documents Arn, QueueLogicalId and Type; 'Destination' is not one of them (cfn-lint misses it)
        List<String> fields = new ArrayList<>();
        rule.get("DeadLetterConfig").fieldNames().forEachRemaining(fields::add);
        assertThat(fields).isSubsetOf("Arn", "QueueLogicalId", "Type").contains("Arn");
    }

    @Test
    void theHttpApiRoutesAreTheGenericOnesBehindIam() {
        JsonNode r = template.get("Resources");
        assertThat(r.get("HttpApi").get("Properties").get("Auth").get("DefaultAuthorizer").asText())
                .isEqualTo("AWS_IAM");
        JsonNode command = r.get("CommandFunction").get("Properties").get("Events").get("Command").get("Properties");
        assertThat(command.get("Method").asText()).isEqualTo("POST");
        assertThat(command.get("Path").asText()).isEqualTo("/api/stores/{store}/{id}/commands/{command}");
        JsonNode query = r.get("QueryFunction").get("Properties").get("Events");
        assertThat(query.get("View").get("Properties").get("Path").asText()).isEqualTo("/api/views/{projection}/{id}");
        assertThat(query.get("Aggregate").get("Properties").get("Path").asText())
                .isEqualTo("/api/stores/{store}/{id}/aggregate");
        assertThat(r.get("QueryFunction").get("Properties").get("Environment").get("Variables")
                .get("TALLY_VIEW_TABLES").get("Fn::Sub").asText()).isEqualTo("meter-total=${MeterTotalViewTable}");
    }

    @Test
    void everyHandlerClassExists() throws Exception {
        int functions = 0;
        for (JsonNode r : template.get("Resources")) {
            if (r.get("Type").asText().equals("AWS::Serverless::Function")) {
                String handler = r.get("Properties").get("Handler").asText();
                Class.forName(handler.substring(0, handler.indexOf("::")));
                functions++;
            }
        }
        assertThat(functions).isEqualTo(4);
    }

    @Test
    void aSagaIsOneMoreBusTargetWithResourcesOfItsOwn() {
        ObjectNode group = JsonCodec.object().put("Type", "AWS::Scheduler::ScheduleGroup");
        group.putObject("Properties").put("Name", "meter-saga");
        ObjectNode pattern = JsonCodec.object();
        pattern.putArray("source").add("tally.meter");
        AppTemplate withSaga = generator.withTarget(new AppTemplate.BusTarget("AlertSaga", "meter-alert-saga",
                "dev.tally.aws.app.AppProjectorFunction::handleRequest", pattern, Map.of(),
                List.of(Cfn.allow(List.of("scheduler:CreateSchedule", "scheduler:DeleteSchedule"),
                        Cfn.sub("arn:${AWS::Partition}:scheduler:${AWS::Region}:${AWS::AccountId}:schedule/meter-saga/x"))),
                Map.of("AlertSagaScheduleGroup", group)));
        ObjectNode t = withSaga.render();
        JsonNode r = t.get("Resources");
        assertThat(r.has("AlertSagaFunction")).isTrue();
        assertThat(r.has("AlertSagaScheduleGroup")).isTrue();
        assertThat(r.get("AlertSagaFunction").get("Properties").get("Events").get("Rule").get("Properties")
                .get("DeadLetterConfig").get("Arn").get("Fn::GetAtt").get(0).asText()).isEqualTo("TargetDeadLetters");
        assertThat(TemplateChecks.leastPrivilege(t)).isEmpty();
        assertThat(TemplateChecks.observability(t)).isEmpty();
    }
}
