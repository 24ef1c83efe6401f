package dev.tally.examples.bank.aws;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.aws.StreamRecords;
import dev.tally.core.EventMetadata;
import dev.tally.core.RecordedEvent;
import dev.tally.core.json.JsonCodec;
import dev.tally.aws.deploy.TemplateChecks;
import dev.tally.dynamodb.LedgerItems;
import dev.tally.aws.deploy.CfnLint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.event.ruler.Machine;

/** The committed template is exactly what the code renders, and its filters do what they say. */
class BankTemplateTest {
    static final Path TEMPLATE = Path.of("../../deploy/template.json");

    @Test
    void theCommittedTemplateIsTheRenderedOne() throws Exception {
        JsonNode committed = JsonCodec.parse(Files.readString(TEMPLATE));
        assertThat(committed)
                .as("deploy/template.json is stale: regenerate it with BankTemplate (see its javadoc)")
                .isEqualTo(JsonCodec.canonical(BankTemplate.render()));
    }

    @Test
    void everyHandlerClassExists() throws Exception {
        JsonNode resources = BankTemplate.render().get("Resources");
        var names = resources.fieldNames();
        int functions = 0;
        while (names.hasNext()) {
            JsonNode r = resources.get(names.next());
            if (r.get("Type").asText().equals("AWS::Serverless::Function")) {
                String handler = r.get("Properties").get("Handler").asText();
                Class.forName(handler.substring(0, handler.indexOf("::")));
                functions++;
            }
        }
        // command, query, dispatcher and one projector per view
        assertThat(functions).isEqualTo(3 + new dev.tally.examples.bank.BankApp().projections().size());
    }

    @Test
    void cfnLintFindsNothingInTheCommittedTemplate() {
        CfnLint.Result r = CfnLint.lint(TEMPLATE).orElse(null);
        org.junit.jupiter.api.Assumptions.assumeTrue(r != null, "cfn-lint was not found: " + CfnLint.INSTALL);
        assertThat(r.clean()).as("cfn-lint on deploy/template.json:%n%s", r.output()).isTrue();
    }

    @Test
    void leastPrivilegeAndAlarms() throws Exception {
        JsonNode committed = JsonCodec.parse(Files.readString(TEMPLATE));
        assertThat(TemplateChecks.leastPrivilege(committed)).isEmpty();
        assertThat(TemplateChecks.observability(committed)).isEmpty();
        // one view table per projection, each written by its own projector only
        for (String projection : List.of("Balance", "LastTransaction", "LastMonthBalance")) {
            JsonNode statements = committed.get("Resources").get(projection + "ProjectorRole").get("Properties")
                    .get("Policies").get(0).get("PolicyDocument").get("Statement");
            List<String> written = new ArrayList<>();
            for (JsonNode s : statements) {
                for (JsonNode a : s.get("Action")) {
                    if (a.asText().equals("dynamodb:PutItem")) {
                        s.get("Resource").forEach(res -> written.add(res.get("Fn::GetAtt").get(0).asText()));
                    }
                }
            }
            assertThat(written).containsExactly(projection + "ViewTable");
        }
    }

    @Test
    void theStreamFilterKeepsLedgerInsertsOnly() throws Exception {
        Machine filter = new Machine();
        filter.addRule("ledger-inserts", BankTemplate.STREAM_FILTER);
        RecordedEvent e = new RecordedEvent("bank-account", "alice", 1, "Credited", 1, Instant.now(),
                JsonCodec.object().put("amount", 10), EventMetadata.empty());
        DynamodbEvent.DynamodbStreamRecord insert = StreamRecords.insertOf(e, "1", "arn");
        assertThat(filter.rulesForJSONEvent(lambdaJson(insert))).containsExactly("ledger-inserts");

        insert.setEventName("MODIFY");
        assertThat(filter.rulesForJSONEvent(lambdaJson(insert))).isEmpty();
        insert.setEventName("INSERT");
        insert.getDynamodb().getNewImage().remove(LedgerItems.KIND);
        assertThat(filter.rulesForJSONEvent(lambdaJson(insert))).isEmpty();
    }

    /** A stream record as the JSON Lambda's filter sees: eventName, dynamodb.NewImage with typed values. */
    private static String lambdaJson(DynamodbEvent.DynamodbStreamRecord r) {
        var n = JsonCodec.object();
        n.put("eventName", r.getEventName());
        var image = n.putObject("dynamodb").putObject("NewImage");
        r.getDynamodb().getNewImage().forEach((k, v) -> {
            if (v.getS() != null) {
                image.putObject(k).put("S", v.getS());
            } else if (v.getN() != null) {
                image.putObject(k).put("N", v.getN());
            }
        });
        return n.toString();
    }
}
