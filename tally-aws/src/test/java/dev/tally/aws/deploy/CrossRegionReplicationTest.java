package dev.tally.aws.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.aws.app.MeterApp;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code --replicate-to}: the rule forwarding every event of the bus to the same-named bus in another region. */
class CrossRegionReplicationTest {
    final AppTemplate generator = new AppTemplate(new MeterApp(), "meter.jar").withReplicationTo("eu-west-1");
    final ObjectNode template = generator.render();
    final JsonNode resources = template.get("Resources");
    static final String REPLICA_BUS = "arn:${AWS::Partition}:events:eu-west-1:${AWS::AccountId}:event-bus/meter-bus";

    @Test
    void everyEventOfTheBusGoesToTheSameNamedBusInTheOtherRegion() {
        JsonNode rule = resources.get("ReplicationRule");
        assertThat(rule.get("Type").asText()).isEqualTo("AWS::Events::Rule");
        JsonNode p = rule.get("Properties");
        assertThat(p.get("EventBusName").get("Ref").asText()).isEqualTo("EventBus");
        assertThat(p.get("EventPattern").toString()).isEqualTo("{\"source\":[{\"prefix\":\"\"}]}");
        assertThat(p.get("Targets")).hasSize(1);
        assertThat(p.get("Targets").get(0).get("Arn").get("Fn::Sub").asText()).isEqualTo(REPLICA_BUS);
        assertThat(p.get("Targets").get(0).get("RoleArn").get("Fn::GetAtt").toString())
                .isEqualTo("[\"ReplicationRole\",\"Arn\"]");
        assertThat(template.get("Outputs").get("ReplicaEventBusArn").get("Value").get("Fn::Sub").asText())
                .isEqualTo(REPLICA_BUS);
    }

    @Test
    void itsRoleMayOnlyPutEventsOnThatBus() {
        JsonNode role = resources.get("ReplicationRole").get("Properties");
        assertThat(role.get("AssumeRolePolicyDocument").get("Statement").get(0).get("Principal").get("Service")
                .asText()).isEqualTo("events.amazonaws.com");
        JsonNode statements = role.get("Policies").get(0).get("PolicyDocument").get("Statement");
        assertThat(statements).hasSize(1);
        assertThat(statements.get(0).get("Action").toString()).isEqualTo("[\"events:PutEvents\"]");
        assertThat(statements.get(0).get("Resource").get(0).get("Fn::Sub").asText()).isEqualTo(REPLICA_BUS);
        assertThat(TemplateChecks.leastPrivilege(template)).isEmpty();
        assertThat(TemplateChecks.observability(template)).isEmpty();
        JsonNode alarm = resources.get("ReplicationFailuresAlarm").get("Properties");
        assertThat(alarm.get("MetricName").asText()).isEqualTo("FailedInvocations");
        assertThat(alarm.get("Dimensions").get(0).get("Value").get("Ref").asText()).isEqualTo("ReplicationRule");
    }

    @Test
    void withoutItTheTemplateHasNoReplication() {
        JsonNode plain = new AppTemplate(new MeterApp(), "meter.jar").render().get("Resources");
        assertThat(plain.has("ReplicationRule")).isFalse();
        assertThat(plain.has("ReplicationRole")).isFalse();
    }

    @Test
    void aRegionMustBeARegionName() {
        for (String bad : new String[] {"", "EU-WEST-1", "eu-west", "eu_west_1", "*"}) {
            assertThatThrownBy(() -> new AppTemplate(new MeterApp(), "meter.jar").withReplicationTo(bad))
                    .hasMessageContaining("not an AWS region name").hasMessageContaining("eu-west-1");
        }
    }

    @Test
    void cfnLintFindsNothing() throws Exception {
        Path file = Path.of("target", "meter-replicated-template.json");
        Files.createDirectories(file.getParent());
        Files.writeString(file, generator.json());
        CfnLint.Result r = CfnLint.lint(file).orElse(null);
        org.junit.jupiter.api.Assumptions.assumeTrue(r != null, "cfn-lint was not found: " + CfnLint.INSTALL);
        assertThat(r.clean()).as("cfn-lint on %s:%n%s", file, r.output()).isTrue();
    }
}
