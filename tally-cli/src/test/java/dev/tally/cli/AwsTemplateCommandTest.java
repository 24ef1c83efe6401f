package dev.tally.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.json.JsonCodec;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code tally aws template} in-process, on a small app's jar ({@link OpsTestApp}): the template, the
 * checks, the exit code. NewProjectIT runs it on the Lambda jar of a project made by {@code tally new}.
 */
class AwsTemplateCommandTest {
    @TempDir
    Path tmp;

    record Run(int exitCode, String out, String err) {
    }

    static Run tally(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void aJarWithoutTheLambdaFunctionsIsAFindingAndExitsNonZero() {
        Path jar = OpsTestApp.jar(tmp);
        Run r = tally("aws", "template", "--app", jar.toString(), "--no-cfn-lint");
        assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).contains("the template of 'ops' has 1 finding(s)")
                .contains("does not hold Tally's Lambda functions").contains("mvn -Plambda package");
        assertThat(r.out()).as("the template is still printed").contains("\"AWS::Serverless::Function\"");
    }

    @Test
    void theTemplateOfTheAppWrittenWhereAskedAndChecked() throws Exception {
        Path jar = OpsTestApp.jar(tmp);
        Path out = tmp.resolve("deploy/template.json");
        Files.createDirectories(out.getParent());
        Run r = tally("aws", "template", "--app", jar.toString(), "--out", out.toString(), "--code-uri",
                "../target/ops-lambda.jar", "--replicate-to", "eu-west-1");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("checked: least privilege, alarms").contains("template written to " + out);
        if (dev.tally.aws.deploy.CfnLint.find().isPresent()) {
            assertThat(r.err()).contains("cfn-lint");
        } else {
            assertThat(r.err()).contains("cfn-lint was not found").contains("pip install cfn-lint");
        }
        JsonNode t = JsonCodec.parse(Files.readString(out));
        assertThat(t.path("Globals").path("Function").path("CodeUri").asText()).isEqualTo("../target/ops-lambda.jar");
        assertThat(t.path("Resources").path("LedgerTable").path("Properties").path("TableName").asText())
                .isEqualTo("ops-ledger");
        assertThat(t.path("Resources").has("OpsTotalProjectorFunction")).isTrue();
        Path openApi = out.resolveSibling("openapi.json");
        assertThat(r.err()).contains("OpenAPI document of the API written to " + openApi);
        JsonNode doc = JsonCodec.parse(Files.readString(openApi));
        assertThat(doc.path("openapi").asText()).isEqualTo("3.1.0");
        assertThat(doc.path("x-tally").path("apps").get(0).path("name").asText()).isEqualTo("ops");
        doc.path("paths").fieldNames().forEachRemaining(p -> assertThat(p).as("a route of the API on AWS")
                .matches("/api/stores/[^/]+/\\{id}/(commands/[^/]+|aggregate)|/api/views/[^/]+/\\{key}"));
        assertThat(t.path("Resources").path("ReplicationRule").path("Properties").path("Targets").get(0).path("Arn")
                .path("Fn::Sub").asText()).contains(":events:eu-west-1:").endsWith(":event-bus/ops-bus");
    }

    @Test
    void theCodeUriIsTheJarRelativeToTheTemplatesFolder() throws Exception {
        Path jar = OpsTestApp.jar(tmp);
        Path out = tmp.resolve("deploy/template.json");
        Files.createDirectories(out.getParent());
        Run r = tally("aws", "template", "--app", jar.toString(), "--out", out.toString(), "--no-cfn-lint");
        assertThat(r.exitCode()).as("the jar holds no functions").isEqualTo(1);
        assertThat(JsonCodec.parse(Files.readString(out)).path("Globals").path("Function").path("CodeUri").asText())
                .isEqualTo("../ops-app.jar");
    }

    @Test
    void aWrongRegionIsRefusedInTheUsersTerms() {
        Run r = tally("aws", "template", "--app", OpsTestApp.jar(tmp).toString(), "--replicate-to", "Europe");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("'Europe' is not an AWS region name").contains("eu-west-1");
    }

    @Test
    void aMissingJarIsRefused() {
        Run r = tally("aws", "template", "--app", tmp.resolve("nope.jar").toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("no such file");
    }
}
