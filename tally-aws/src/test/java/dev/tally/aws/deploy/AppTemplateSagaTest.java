package dev.tally.aws.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.aws.app.MeterApp;
import dev.tally.core.AggregateDefinition;
import dev.tally.core.Event;
import dev.tally.core.app.TallyApp;
import dev.tally.core.command.Decision;
import dev.tally.core.message.MessageFilter;
import dev.tally.core.projection.Projection;
import dev.tally.core.saga.ProcessManager;
import dev.tally.core.saga.Saga;
import dev.tally.core.saga.SagaAction;
import dev.tally.core.saga.SagaInput;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The generator on an app with a saga: the saga's function, rule, schedule group and scheduler role
 * are rendered from {@link TallyApp#sagas()}, lint clean, and each role allows only what its code
 * (or Scheduler) calls.
 */
class AppTemplateSagaTest {
    /** A saga that watches meters and does nothing: the template needs only its name and filter. */
    static final class Watch implements ProcessManager<MeterApp.MeterEvent, MeterApp.Meter> {
        @Override
        public MeterApp.Meter initialState() {
            return new MeterApp.Meter(0);
        }

        @Override
        public Optional<String> instanceOf(SagaInput.Observed message) {
            return Optional.empty();
        }

        @Override
        public Decision<MeterApp.MeterEvent> react(SagaInput input, MeterApp.Meter state) {
            return Decision.nothing();
        }

        @Override
        public MeterApp.Meter evolve(MeterApp.Meter state, Event<MeterApp.MeterEvent> event) {
            return state;
        }

        @Override
        public List<SagaAction> todo(MeterApp.Meter state) {
            return List.of();
        }
    }

    static TallyApp withSaga(String appName, String sagaName) {
        Saga<MeterApp.MeterEvent, MeterApp.Meter> saga = Saga.of(sagaName, MeterApp.Meter.class,
                MeterApp.MeterEvent.class, MessageFilter.stateOf("meter"), new Watch());
        MeterApp meter = new MeterApp();
        return new TallyApp() {
            @Override
            public String name() {
                return appName;
            }

            @Override
            public List<AggregateDefinition<?>> stores() {
                return meter.stores();
            }

            @Override
            public List<Projection<?, ?>> projections() {
                return meter.projections();
            }

            @Override
            public List<Saga<?, ?>> sagas() {
                return List.of(saga);
            }
        };
    }

    final AppTemplate generator = new AppTemplate(withSaga("meter", "meter-watch"), "meter.jar");
    final ObjectNode template = generator.render();

    /** Role -> action -> its resources, each as the logical id it names (GetAtt) or the text of its Sub. */
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
                                    ? att.get(0).asText() + "." + att.get(1).asText() : r.get("Fn::Sub").asText());
                        }
                    }
                }
            }
        }
        return out;
    }

    @Test
    void cfnLintFindsNothing() throws Exception {
        Path file = Path.of("target", "meter-saga-template.json");
        Files.createDirectories(file.getParent());
        Files.writeString(file, generator.json());
        CfnLint.Result r = CfnLint.lint(file).orElse(null);
        org.junit.jupiter.api.Assumptions.assumeTrue(r != null, "cfn-lint was not found: " + CfnLint.INSTALL);
        assertThat(r.clean()).as("cfn-lint on %s:%n%s", file, r.output()).isTrue();
    }

    @Test
    void theSagaIsRenderedWithItsFunctionRuleScheduleGroupAndSchedulerRole() {
        JsonNode r = template.get("Resources");
        assertThat(r.get("MeterWatchSagaFunction").get("Properties").get("Handler").asText())
                .isEqualTo("dev.tally.aws.app.SagaFunction::handleRequest");
        assertThat(r.get("MeterWatchSagaFunction").get("Properties").get("FunctionName").asText())
                .isEqualTo("meter-meter-watch-saga");
        assertThat(r.get("MeterWatchSagaScheduleGroup").get("Properties").get("Name").asText())
                .isEqualTo("meter-meter-watch-saga-timers");
        assertThat(r.get("MeterWatchSagaFunction").get("Properties").get("Events").get("Rule").get("Properties")
                .get("Pattern").toString()).isEqualTo("{\"$or\":[{\"source\":[\"meter\"],\"detail\":{\"kind\":"
                        + "[\"state-carrying\"]}},{\"source\":[\"meter-watch\"],\"detail\":{\"kind\":[\"state-carrying\"]}}]}");
        assertThat(TemplateChecks.observability(template)).isEmpty();
    }

    @Test
    void theSagaFunctionRunsOneInvocationAtATimeAndProjectorsAreNotBounded() {
        JsonNode r = template.get("Resources");
        assertThat(r.get("MeterWatchSagaFunction").get("Properties").get("ReservedConcurrentExecutions").asInt())
                .isEqualTo(1);
        // messages that arrive while it runs wait in Lambda's async queue, then end in the dead letters
        assertThat(r.get("MeterWatchSagaFunction").get("Properties").get("EventInvokeConfig")
                .get("DestinationConfig").get("OnFailure").get("Destination").get("Fn::GetAtt").get(0).asText())
                .isEqualTo("TargetDeadLetters");
        assertThat(r.get("MeterTotalProjectorFunction").get("Properties").has("ReservedConcurrentExecutions"))
                .as("projectors are order-proof and need no bound").isFalse();
    }

    @Test
    void eachRoleMayCallOnlyWhatItsCodeCalls() {
        assertThat(TemplateChecks.leastPrivilege(template)).isEmpty();
        var g = grants(template);
        assertThat(g.keySet()).containsExactly("CommandRole", "DispatcherRole", "MeterTotalProjectorRole",
                "MeterWatchSagaRole", "MeterWatchSagaSchedulerRole", "QueryRole");
        // the ledger: appended by the command function and the saga (its instances, the commands it sends)
        assertThat(AppTemplateTest.rolesAllowing(g, "dynamodb:PutItem", "LedgerTable.Arn"))
                .containsExactly("CommandRole", "MeterWatchSagaRole");
        // snapshots: still written by commands alone
        assertThat(AppTemplateTest.rolesAllowing(g, "dynamodb:PutItem", "SnapshotTable.Arn"))
                .containsExactly("CommandRole");
        String function = "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:meter-meter-watch-saga";
        assertThat(g.get("MeterWatchSagaRole")).containsOnlyKeys("dynamodb:PutItem", "dynamodb:ConditionCheckItem",
                "dynamodb:GetItem", "dynamodb:Query", "scheduler:CreateSchedule", "scheduler:DeleteSchedule",
                "iam:PassRole", "sqs:SendMessage", "logs:CreateLogStream", "logs:PutLogEvents");
        assertThat(g.get("MeterWatchSagaRole").get("dynamodb:Query")).containsExactly("LedgerTable.Arn",
                "SnapshotTable.Arn");
        assertThat(g.get("MeterWatchSagaRole").get("scheduler:CreateSchedule")).containsExactly(
                "arn:${AWS::Partition}:scheduler:${AWS::Region}:${AWS::AccountId}:schedule/meter-meter-watch-saga-timers/*");
        assertThat(g.get("MeterWatchSagaRole").get("scheduler:DeleteSchedule"))
                .isEqualTo(g.get("MeterWatchSagaRole").get("scheduler:CreateSchedule"));
        assertThat(g.get("MeterWatchSagaRole").get("iam:PassRole")).containsExactly("MeterWatchSagaSchedulerRole.Arn");
        assertThat(g.get("MeterWatchSagaRole").get("sqs:SendMessage")).containsExactly("TargetDeadLetters.Arn");
        // Scheduler's role: invoke this function (and its alias), dead-letter to the target queue, nothing else
        assertThat(g.get("MeterWatchSagaSchedulerRole")).containsOnlyKeys("lambda:InvokeFunction", "sqs:SendMessage");
        assertThat(g.get("MeterWatchSagaSchedulerRole").get("lambda:InvokeFunction"))
                .containsExactly(function, function + ":live");
        assertThat(AppTemplateTest.rolesAllowing(g, "lambda:InvokeFunction", function)).containsExactly(
                "MeterWatchSagaSchedulerRole");
        // the schedules' target is the function's alias, built from its name (a GetAtt would be a cycle)
        JsonNode env = template.get("Resources").get("MeterWatchSagaFunction").get("Properties").get("Environment")
                .get("Variables");
        assertThat(env.get("TALLY_TIMER_TARGET_ARN").get("Fn::Sub").asText()).isEqualTo(function + ":live");
        assertThat(env.get("TALLY_SAGA").asText()).isEqualTo("meter-watch");
        JsonNode trust = template.get("Resources").get("MeterWatchSagaSchedulerRole").get("Properties")
                .get("AssumeRolePolicyDocument").get("Statement").get(0);
        assertThat(trust.get("Principal").get("Service").asText()).isEqualTo("scheduler.amazonaws.com");
    }

    @Test
    void aScheduleGroupNameTooLongForSchedulerIsAClearError() {
        String longName = "watch-" + "x".repeat(40);
        assertThatThrownBy(() -> new AppTemplate(withSaga("meter-with-a-long-name", longName), "meter.jar").render())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("longer than EventBridge Scheduler's 64 characters");
    }
}
