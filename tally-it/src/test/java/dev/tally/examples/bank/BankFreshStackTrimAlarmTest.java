package dev.tally.examples.bank;

import static dev.tally.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.EventStore;
import dev.tally.core.message.Message;
import dev.tally.core.message.MessageFilter;
import dev.tally.core.privacy.LocalMasterKey;
import dev.tally.core.privacy.PersonalData;
import dev.tally.core.privacy.SubjectKeys;
import dev.tally.core.runtime.Target;
import dev.tally.dynamodb.DynamoDbWrappedKeyStore;
import dev.tally.local.LocalDynamoDb;
import dev.tally.local.LocalPipeline;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A fresh stack whose first write is an event with personal data (the bank's holder, sealed with a
 * data key stored next to the ledger) raises no "trimmed past the checkpoint" alarm: nothing is
 * logged as an error and the pipeline's stats (what {@code /api/pipeline} shows) report no trim
 * and no last error. (That a real trim is still reported: {@code StreamPollerTest}.)
 */
class BankFreshStackTrimAlarmTest {

    @Test
    void theFirstWriteWithPersonalDataOnAFreshStackRaisesNoTrimAlarm() {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream original = System.err;
        System.setErr(new PrintStream(new Tee(original, log), true, StandardCharsets.UTF_8));
        try (LocalDynamoDb db = LocalDynamoDb.inMemory()) {
            PersonalData keys = new PersonalData(SubjectKeys.builder(LocalMasterKey.generate(),
                    DynamoDbWrappedKeyStore.createIfMissing(db.client(), "tally-data-keys")).build());
            List<String> seen = new CopyOnWriteArrayList<>();
            try (LocalPipeline pipeline = LocalPipeline.builder(db).personalData(keys).build()) {
                EventStore<Account> accounts = pipeline.store(BankAccount.DEFINITION);
                pipeline.subscribe(Target.of("witness", MessageFilter.stateOf(BankAccount.STORE),
                        (Message m) -> seen.add(m.event().coordinates())));
                pipeline.start();
                accounts.execute("alice", new SetHolder("Alice Example", "alice@example.org"));
                accounts.execute("alice", new Credit(100));
                eventually(() -> assertThat(seen).hasSize(2));
                LocalPipeline.Stats stats = pipeline.stats();
                assertThat(stats.stream().trimmed()).isZero();
                assertThat(stats.stream().lastError()).isNull();
            }
        } finally {
            System.setErr(original);
        }
        assertThat(log.toString(StandardCharsets.UTF_8)).doesNotContain("trimmed past").doesNotContain(" ERROR ");
    }

    /** Writes to the console and keeps a copy. */
    private static final class Tee extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        Tee(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public synchronized void write(int x) throws java.io.IOException {
            a.write(x);
            b.write(x);
        }

        @Override
        public synchronized void write(byte[] bytes, int off, int len) throws java.io.IOException {
            a.write(bytes, off, len);
            b.write(bytes, off, len);
        }
    }
}
