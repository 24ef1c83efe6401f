package dev.tally.server.openapi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RecordSchemasTest {
    static final class Orders {
        record State(String status, List<Line> lines) {
        }

        record Line(String sku) {
        }
    }

    static final class Stock {
        record State(int onHand) {
        }

        record Line(int count) {
        }
    }

    @Test
    void two_types_of_one_simple_name_get_qualified_names_not_numbers() {
        RecordSchemas schemas = new RecordSchemas();
        assertThat(schemas.component(Orders.State.class, "State", "order")).isEqualTo("State");
        assertThat(schemas.component(Stock.State.class, "State", "inventory")).isEqualTo("inventory.State");
        assertThat(schemas.component(Stock.State.class, "State", "inventory")).as("known: the same name")
                .isEqualTo("inventory.State");
        assertThat(schemas.ref(Stock.Line.class).get("$ref").asText()).isEqualTo("#/components/schemas/Stock.Line");
        assertThat(schemas.components().get("State").at("/properties/lines/items/$ref").asText())
                .isEqualTo("#/components/schemas/Line");
        assertThat(schemas.components().get("inventory.State").at("/properties/onHand/type").asText())
                .isEqualTo("integer");
    }
}
