package dev.tally.examples.orders.aws;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.aws.deploy.TemplateChecks;
import dev.tally.core.json.JsonCodec;
import dev.tally.aws.deploy.CfnLint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The committed orders template is the rendered one, lints clean, keeps least privilege and its
 * alarms, and deploys the order saga: its function, its rule, its schedule group and the role
 * EventBridge Scheduler assumes.
 */
class OrdersTemplateTest {
    static final Path TEMPLATE = Path.of("../../deploy/orders.template.json");

    static JsonNode committed() throws Exception {
        return JsonCodec.parse(Files.readString(TEMPLATE));
    }

    @Test
    void theCommittedTemplateIsTheRenderedOne() throws Exception {
        assertThat(committed())
                .as("deploy/orders.template.json is stale: regenerate it with OrdersTemplate (see its javadoc)")
                .isEqualTo(JsonCodec.canonical(OrdersTemplate.render()));
    }

    @Test
    void cfnLintFindsNothing() {
        CfnLint.Result r = CfnLint.lint(TEMPLATE).orElse(null);
        org.junit.jupiter.api.Assumptions.assumeTrue(r != null, "cfn-lint was not found: " + CfnLint.INSTALL);
        assertThat(r.clean()).as("cfn-lint on deploy/orders.template.json:%n%s", r.output()).isTrue();
    }

    @Test
    void leastPrivilegeAndAlarms() throws Exception {
        JsonNode t = committed();
        assertThat(TemplateChecks.leastPrivilege(t)).isEmpty();
        assertThat(TemplateChecks.observability(t)).isEmpty();
    }

    /** The actions a role's statements allow on a resource (rendered as JSON text), in order. */
    static List<String> actions(JsonNode role, String resource) {
        List<String> out = new ArrayList<>();
        for (JsonNode policy : role.get("Properties").get("Policies")) {
            for (JsonNode s : policy.get("PolicyDocument").get("Statement")) {
                for (JsonNode r : s.get("Resource")) {
                    if (r.toString().contains(resource)) {
                        s.get("Action").forEach(a -> out.add(a.asText()));
                    }
                }
            }
        }
        return out;
    }

    static List<String> allActions(JsonNode role) {
        List<String> out = new ArrayList<>();
        for (JsonNode policy : role.get("Properties").get("Policies")) {
            for (JsonNode s : policy.get("PolicyDocument").get("Statement")) {
                s.get("Action").forEach(a -> out.add(a.asText()));
            }
        }
        return out;
    }

    @Test
    void theSagaHasItsFunctionRuleScheduleGroupAndSchedulerRole() throws Exception {
        JsonNode r = committed().get("Resources");
        JsonNode f = r.get("OrderSagaFunction").get("Properties");
        assertThat(f.get("Handler").asText()).isEqualTo("dev.tally.aws.app.SagaFunction::handleRequest");
        JsonNode env = f.get("Environment").get("Variables");
        assertThat(env.get("TALLY_SAGA").asText()).isEqualTo("order-saga");
        assertThat(env.get("TALLY_TIMER_GROUP").get("Ref").asText()).isEqualTo("OrderSagaScheduleGroup");
        // built from the explicit function name: a GetAtt of the function would be a cycle
        assertThat(env.get("TALLY_TIMER_TARGET_ARN").get("Fn::Sub").asText())
                .endsWith(":function:orders-order-saga:live");
        assertThat(env.get("TALLY_TIMER_ROLE_ARN").get("Fn::GetAtt").get(0).asText()).isEqualTo("OrderSagaSchedulerRole");
        assertThat(env.get("TALLY_TIMER_DLQ_ARN").get("Fn::GetAtt").get(0).asText()).isEqualTo("TargetDeadLetters");

        // one rule: what the saga observes (orders placed), or its own instances' state
        JsonNode pattern = f.get("Events").get("Rule").get("Properties").get("Pattern");
        assertThat(pattern.toString()).isEqualTo("{\"$or\":[{\"source\":[\"order\"],\"detail-type\":[\"OrderPlaced\"],"
                + "\"detail\":{\"kind\":[\"state-carrying\"]}},{\"source\":[\"order-saga\"],"
                + "\"detail\":{\"kind\":[\"state-carrying\"]}}]}");

        assertThat(r.get("OrderSagaScheduleGroup").get("Type").asText()).isEqualTo("AWS::Scheduler::ScheduleGroup");
        assertThat(r.get("OrderSagaScheduleGroup").get("Properties").get("Name").asText())
                .isEqualTo("orders-order-saga-timers");
    }

    @Test
    void theSagaAndItsSchedulerMayCallOnlyWhatTheyCall() throws Exception {
        JsonNode r = committed().get("Resources");
        JsonNode scheduler = r.get("OrderSagaSchedulerRole");
        JsonNode trust = scheduler.get("Properties").get("AssumeRolePolicyDocument").get("Statement").get(0);
        assertThat(trust.get("Principal").get("Service").asText()).isEqualTo("scheduler.amazonaws.com");
        assertThat(trust.get("Condition").get("StringEquals").get("aws:SourceAccount").get("Ref").asText())
                .isEqualTo("AWS::AccountId");
        // Scheduler may invoke the saga function (and its alias), and dead-letter what keeps failing: nothing else
        assertThat(allActions(scheduler)).containsExactly("lambda:InvokeFunction", "sqs:SendMessage");
        assertThat(actions(scheduler, ":function:orders-order-saga")).containsExactly("lambda:InvokeFunction",
                "lambda:InvokeFunction");
        assertThat(actions(scheduler, "TargetDeadLetters")).containsExactly("sqs:SendMessage");

        JsonNode saga = r.get("OrderSagaRole");
        assertThat(allActions(saga)).containsExactlyInAnyOrder("logs:CreateLogStream", "logs:PutLogEvents",
                "dynamodb:PutItem", "dynamodb:ConditionCheckItem", "dynamodb:GetItem", "dynamodb:Query",
                "scheduler:CreateSchedule", "scheduler:DeleteSchedule", "iam:PassRole",
                "dynamodb:Query", "dynamodb:Query", "sqs:SendMessage");
        // schedules of its own group only
        assertThat(actions(saga, ":schedule/orders-order-saga-timers/*")).containsExactly("scheduler:CreateSchedule",
                "scheduler:DeleteSchedule");
        // it passes the scheduler role, to Scheduler only
        assertThat(actions(saga, "OrderSagaSchedulerRole")).containsExactly("iam:PassRole");
        assertThat(saga.toString()).contains("\"iam:PassedToService\":\"scheduler.amazonaws.com\"");
        // it never writes snapshots (the command function takes them): Query only
        assertThat(actions(saga, "SnapshotTable")).containsExactly("dynamodb:Query");
        // the ledger: the command function and the saga append; the dispatcher, query and projector never do
        List<String> appenders = new ArrayList<>();
        r.fields().forEachRemaining(e -> {
            if (e.getValue().get("Type").asText().equals("AWS::IAM::Role")
                    && actions(e.getValue(), "\"LedgerTable\",\"Arn\"").contains("dynamodb:PutItem")) {
                appenders.add(e.getKey());
            }
        });
        assertThat(appenders).containsExactlyInAnyOrder("CommandRole", "OrderSagaRole");
    }

    @Test
    void everyHandlerClassExists() throws Exception {
        int functions = 0;
        for (JsonNode res : OrdersTemplate.render().get("Resources")) {
            if (res.get("Type").asText().equals("AWS::Serverless::Function")) {
                String handler = res.get("Properties").get("Handler").asText();
                Class.forName(handler.substring(0, handler.indexOf("::")));
                functions++;
            }
        }
        // command, query, dispatcher and the saga (the orders have no projection)
        assertThat(functions).isEqualTo(4);
    }
}
