package dev.tally.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.tally.core.EventStore;
import dev.tally.core.privacy.PersonalData;

/** Sealed personal values revealed for the reader; "(forgotten)" where the key was destroyed (docs/privacy.md). */
final class Revealing {
    private Revealing() {
    }

    static JsonNode revealed(EventStore<?> store, JsonNode n) {
        return store.personalData().map(p -> p.reveal(n, TextNode.valueOf(PersonalData.FORGOTTEN)).value()).orElse(n);
    }
}
