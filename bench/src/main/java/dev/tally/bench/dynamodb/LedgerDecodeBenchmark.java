package dev.tally.bench.dynamodb;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.core.Aggregate;
import dev.tally.core.EventMetadata;
import dev.tally.core.EventStore;
import dev.tally.core.RecordedEvent;
import dev.tally.core.memory.InMemoryLedger;
import dev.tally.dynamodb.JsonAttributes;
import dev.tally.dynamodb.LedgerItems;
import dev.tally.examples.bank.Account;
import dev.tally.examples.bank.BankAccount;
import dev.tally.examples.bank.Credited;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The CPU side of loading 1,000 events from DynamoDB, without the round trip: the same 1,000 ledger
 * items in memory, turned into a balance by a bare loop (payload to the event record with Jackson,
 * summed) and by Tally (items to recorded events, then the store's fold). Best of {@code --passes}
 * passes each, so a machine shared with other work disturbs it least.
 *
 * <pre>
 * java -cp bench/target/tally-bench.jar dev.tally.bench.dynamodb.LedgerDecodeBenchmark [--passes 300]
 * </pre>
 */
public final class LedgerDecodeBenchmark {
    public static void main(String[] argv) throws Exception {
        int passes = new dev.tally.bench.Args(argv).integer("passes", 300);
        EventStore<Account> store = EventStore.builder(BankAccount.DEFINITION, new InMemoryLedger()).cache(0).build();
        List<RecordedEvent> written = store.append("acc", 0, Collections.nCopies(1000, new Credited(1)),
                EventMetadata.empty());
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        for (RecordedEvent e : written) {
            items.add(LedgerItems.toItem(e));
        }
        ObjectMapper json = new ObjectMapper();
        long bare = Long.MAX_VALUE;
        long toEvents = Long.MAX_VALUE;
        long fold = Long.MAX_VALUE;
        for (int i = 0; i < passes; i++) {
            long t0 = System.nanoTime();
            long balance = 0;
            for (Map<String, AttributeValue> item : items) {
                balance += json.treeToValue(JsonAttributes.toObject(item.get("payload").m()), Credited.class).amount();
            }
            long t1 = System.nanoTime();
            List<RecordedEvent> events = new ArrayList<>(items.size());
            for (Map<String, AttributeValue> item : items) {
                events.add(LedgerItems.fromItem(item));
            }
            long t2 = System.nanoTime();
            Aggregate<Account> a = store.fold(new Aggregate<>("acc", 0, BankAccount.DEFINITION.initialState()), events);
            long t3 = System.nanoTime();
            if (balance != 1000 || a.version() != 1000) {
                throw new IllegalStateException("the two sides disagree");
            }
            bare = Math.min(bare, t1 - t0);
            toEvents = Math.min(toEvents, t2 - t1);
            fold = Math.min(fold, t3 - t2);
        }
        System.out.printf(java.util.Locale.ROOT, "RESULT best of %d passes, per 1,000 items: bare %.2f ms; Tally items to"
                + " events %.2f ms + fold %.2f ms%n", passes, bare / 1e6, toEvents / 1e6, fold / 1e6);
    }
}
