package dev.tally.examples.counter.aws;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.aws.app.AppFunctions;
import dev.tally.aws.deploy.TemplateChecks;
import dev.tally.core.json.JsonCodec;
import dev.tally.aws.deploy.CfnLint;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The committed counter template is the rendered one, lints clean, and keeps least privilege and its alarms. */
class CounterTemplateTest {
    static final Path TEMPLATE = Path.of("../../deploy/counter.template.json");

    @Test
    void theCommittedTemplateIsTheRenderedOne() throws Exception {
        JsonNode committed = JsonCodec.parse(Files.readString(TEMPLATE));
        assertThat(committed)
                .as("deploy/counter.template.json is stale: regenerate it with CounterTemplate (see its javadoc)")
                .isEqualTo(JsonCodec.canonical(CounterTemplate.render()));
    }

    @Test
    void cfnLintFindsNothing() {
        CfnLint.Result r = CfnLint.lint(TEMPLATE).orElse(null);
        org.junit.jupiter.api.Assumptions.assumeTrue(r != null, "cfn-lint was not found: " + CfnLint.INSTALL);
        assertThat(r.clean()).as("cfn-lint on deploy/counter.template.json:%n%s", r.output()).isTrue();
    }

    @Test
    void leastPrivilegeAndAlarms() throws Exception {
        JsonNode committed = JsonCodec.parse(Files.readString(TEMPLATE));
        assertThat(TemplateChecks.leastPrivilege(committed)).isEmpty();
        assertThat(TemplateChecks.observability(committed)).isEmpty();
    }

    @Test
    void theJarFindsTheCounterAppAndEveryHandlerExists() throws Exception {
        assertThat(AppFunctions.findApp((String) null).name()).isEqualTo("counter");
        int functions = 0;
        for (JsonNode r : CounterTemplate.render().get("Resources")) {
            if (r.get("Type").asText().equals("AWS::Serverless::Function")) {
                String handler = r.get("Properties").get("Handler").asText();
                Class.forName(handler.substring(0, handler.indexOf("::")));
                functions++;
            }
        }
        assertThat(functions).isEqualTo(4);
    }
}
