package dev.tally.aws.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.tally.core.AggregateDefinition;
import dev.tally.core.Decider;
import dev.tally.core.EventStore;
import dev.tally.core.command.Decision;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.memory.InMemoryLedger;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A command its app declared internal is refused by the command function, as by {@code tally serve}. */
class CommandFunctionInternalCommandTest {
    static final AggregateDefinition<MeterApp.Meter> INTERNAL_ADD = AggregateDefinition.builder("meter",
            MeterApp.Meter.class, MeterApp.MeterCommand.class, MeterApp.MeterEvent.class,
            Decider.of(new MeterApp.Meter(0),
                    (MeterApp.MeterCommand c, MeterApp.Meter s) -> Decision.<MeterApp.MeterEvent>emit(
                            new MeterApp.Added(((MeterApp.Add) c).amount())),
                    (s, e) -> new MeterApp.Meter(s.total() + ((MeterApp.Added) e.payload()).amount())))
            .internalCommands(MeterApp.Add.class).build();

    @Test
    void anInternalCommandIsRefusedWith403NamingItAndNothingIsAppended() {
        InMemoryLedger ledger = new InMemoryLedger();
        EventStore<MeterApp.Meter> meters = EventStore.builder(INTERNAL_ADD, ledger).build();
        CommandFunction function = new CommandFunction(Map.of("meter", meters));
        APIGatewayV2HTTPResponse r = function.handleRequest(AppFunctionsTest.request("POST",
                "/api/stores/meter/m1/commands/Add", "{\"amount\": 5}", Map.of()), null);
        assertThat(r.getStatusCode()).as(r.getBody()).isEqualTo(403);
        assertThat(JsonCodec.parse(r.getBody()).get("error").asText()).isEqualTo("internal_command");
        assertThat(JsonCodec.parse(r.getBody()).get("message").asText()).contains("'Add'", "'meter'", "internal");
        assertThat(meters.load("m1").exists()).isFalse();
        assertThat(meters.execute("m1", new MeterApp.Add(5)).isAccepted()).as("in process it applies").isTrue();
    }
}
