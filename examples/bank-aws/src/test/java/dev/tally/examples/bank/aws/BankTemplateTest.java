package dev.tally.examples.bank.aws;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.aws.StreamRecords;
import dev.tally.core.EventMetadata;
import dev.tally.core.RecordedEvent;
import dev.tally.core.json.JsonCodec;
import dev.tally.dynamodb.LedgerItems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
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
        assertThat(functions).isEqualTo(4);
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
