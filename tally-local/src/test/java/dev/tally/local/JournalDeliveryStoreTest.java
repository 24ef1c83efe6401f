package dev.tally.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.EventMetadata;
import dev.tally.core.PageRequest;
import dev.tally.core.RecordedEvent;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.message.StateCarryingMessage;
import dev.tally.core.runtime.MessageRef;
import dev.tally.core.internal.PendingDelivery;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The delivery journal: what was accepted survives a crash; a torn last line is not fatal. */
class JournalDeliveryStoreTest {
    @TempDir
    Path dir;

    private static PendingDelivery delivery(String target, long version) {
        RecordedEvent e = new RecordedEvent("s", "a", version, "T", 1, Instant.EPOCH,
                JsonCodec.object().put("n", version), EventMetadata.empty());
        return PendingDelivery.first(target, new StateCarryingMessage(e, JsonCodec.object().put("total", version)),
                Instant.EPOCH);
    }

    private JournalDeliveryStore open() {
        return new JournalDeliveryStore(dir.resolve("d.journal"), false, Duration.ofHours(1));
    }

    private static List<PendingDelivery> all(JournalDeliveryStore s) {
        List<PendingDelivery> out = new ArrayList<>();
        PageRequest r = PageRequest.first(2);
        while (true) {
            var page = s.page(r);
            out.addAll(page.items());
            if (page.isLast()) {
                return out;
            }
            r = r.next(page.nextCursor());
        }
    }

    @Test
    void acceptedDeliveriesAndTheirRetryStateSurviveACrashAndFinishedOnesAreForgottenOnceJournaled() {
        JournalDeliveryStore s = open();
        s.add(List.of(delivery("t", 1), delivery("t", 2), delivery("u", 1)));
        s.reschedule(delivery("t", 2).failed("boom", Instant.parse("2030-01-01T00:00:00Z")));
        s.remove(List.of(delivery("u", 1).id()));
        s.flush(); // journaled
        s.remove(List.of(delivery("t", 1).id()));
        s.halt(); // kill -9: the second removal was never journaled

        JournalDeliveryStore again = open();
        List<PendingDelivery> live = all(again);
        assertThat(live).extracting(PendingDelivery::id)
                .containsExactly(delivery("t", 1).id(), delivery("t", 2).id());
        assertThat(live.get(1).failedAttempts()).isEqualTo(1);
        assertThat(live.get(1).lastError()).isEqualTo("boom");
        assertThat(live.get(1).message()).isEqualTo(delivery("t", 2).message());
        assertThat(live.get(1).ref()).isEqualTo(MessageRef.of(delivery("t", 2).message()));
        again.close();
    }

    @Test
    void aLineTornByACrashIsSkippedAndTheRestIsRead() throws IOException {
        JournalDeliveryStore s = open();
        s.add(List.of(delivery("t", 1)));
        s.halt();
        Files.writeString(dir.resolve("d.journal"), "A {\"id\":\"t|state-carrying:s/a@2\",\"tar",
                StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        JournalDeliveryStore again = open();
        assertThat(all(again)).extracting(PendingDelivery::id).containsExactly(delivery("t", 1).id());
        again.add(List.of(delivery("t", 3)));
        again.close();
        assertThat(all(open())).hasSize(2);
    }

    @Test
    void openingCompactsTheJournalToTheLiveDeliveries() throws IOException {
        JournalDeliveryStore s = open();
        for (int v = 1; v <= 50; v++) {
            s.add(List.of(delivery("t", v)));
            if (v > 1) {
                s.remove(List.of(delivery("t", v - 1).id()));
            }
        }
        s.close();
        long before = Files.size(dir.resolve("d.journal"));
        JournalDeliveryStore again = open();
        assertThat(all(again)).hasSize(1);
        assertThat(Files.size(dir.resolve("d.journal"))).isLessThan(before / 10);
        again.close();
    }

    @Test
    void aDeliveryAcceptedAgainIsNotForgottenByTheRemovalOfAnEarlierCopy() {
        JournalDeliveryStore s = open();
        s.add(List.of(delivery("t", 1)));
        s.remove(List.of(delivery("t", 1).id()));
        s.add(List.of(delivery("t", 1))); // the same message accepted again before the removal was journaled
        s.flush();
        s.halt();
        assertThat(all(open())).hasSize(1);
    }
}
