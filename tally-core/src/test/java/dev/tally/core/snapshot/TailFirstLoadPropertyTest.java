package dev.tally.core.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.Aggregate;
import dev.tally.core.EventMetadata;
import dev.tally.core.EventStore;
import dev.tally.core.Fixtures;
import dev.tally.core.Fixtures.Added;
import dev.tally.core.Fixtures.Total;
import dev.tally.core.ForwardingLedger;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.memory.InMemoryLedger;
import dev.tally.core.memory.InMemorySnapshotStore;
import dev.tally.core.spi.LedgerAdapter;
import dev.tally.core.spi.SnapshotStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * A load without a cached aggregate reads the newest events first and looks for a snapshot only
 * when the stream is longer than that read or the policy would snapshot it: whatever the stream's
 * length, the snapshots stored (any versions, some unreadable) and the version asked for, the
 * aggregate equals a fold of every event up to that version; a short stream costs one ledger read
 * and no snapshot lookup.
 */
class TailFirstLoadPropertyTest {

    @Property(tries = 300)
    void aLoadEqualsTheFullFoldWhateverTheSnapshots(@ForAll @IntRange(min = 0, max = 260) int length,
                                                     @ForAll @Size(max = 4) Set<@IntRange(min = 1, max = 260) Integer> snapshotAt,
                                                     @ForAll @IntRange(min = 0, max = 270) int askedVersion,
                                                     @ForAll @IntRange(min = 1, max = 3) int policy,
                                                     @ForAll boolean oneUnreadable) {
        Counting counting = new Counting();
        int every = policy == 1 ? 5 : policy == 2 ? 100 : 150;
        List<Added> events = new ArrayList<>();
        for (int i = 1; i <= length; i++) {
            events.add(new Added(i));
        }
        if (length > 0) {
            EventStore.builder(Fixtures.TOTAL, counting.ledger).build().append("a", 0, events, EventMetadata.empty());
        }
        boolean first = true;
        for (int v : snapshotAt) {
            if (v > length) {
                continue;
            }
            // the state a full fold gives at v, or (once) a state that no longer reads
            var state = oneUnreadable && first ? JsonCodec.object().put("sum", "not a number")
                    : JsonCodec.toTree(new Total((long) v * (v + 1) / 2, v));
            first = false;
            counting.inner.save(new Snapshot(Fixtures.TOTAL.name(), "a", v, Fixtures.TOTAL.reducerVersion(), state,
                    Instant.parse("2026-01-01T00:00:00Z")));
        }
        EventStore<Total> fresh = EventStore.builder(Fixtures.TOTAL, counting.ledger)
                .snapshots(counting.snapshots, SnapshotPolicy.everyNEvents(every)).build();
        counting.reset();

        Aggregate<Total> loaded = fresh.loadAt("a", askedVersion);

        long upTo = Math.min(askedVersion, length);
        assertThat(loaded.version()).isEqualTo(upTo);
        assertThat(loaded.state()).isEqualTo(upTo == 0 ? new Total(0, 0) : new Total(upTo * (upTo + 1) / 2, (int) upTo));
        if (askedVersion > 0 && upTo < 100 /* AggregateLoader.TAIL */ && upTo < every) {
            assertThat(counting.reads.get()).as("ledger reads of a short stream").isEqualTo(1);
            assertThat(counting.lookups.get()).as("snapshot lookups of a short stream").isZero();
        }
        assertThat(counting.reads.get()).as("ledger reads").isLessThanOrEqualTo(2);
    }

    /** A ledger and a snapshot store that count what they are asked. */
    private static final class Counting {
        final AtomicInteger reads = new AtomicInteger();
        final AtomicInteger lookups = new AtomicInteger();
        final InMemorySnapshotStore inner = new InMemorySnapshotStore();
        final LedgerAdapter ledger = new ForwardingLedger(new InMemoryLedger()) {
            @Override
            public List<RecordedEvent> read(String s, String id, ReadOptions options) {
                reads.incrementAndGet();
                return super.read(s, id, options);
            }
        };
        final SnapshotStore snapshots = new SnapshotStore() {
            @Override
            public void save(Snapshot snapshot) {
                inner.save(snapshot);
            }

            @Override
            public Optional<Snapshot> latest(String store, String aggregateId, int reducerVersion, long atOrBefore) {
                lookups.incrementAndGet();
                return inner.latest(store, aggregateId, reducerVersion, atOrBefore);
            }

            @Override
            public int deleteAll(String store, String aggregateId) {
                return inner.deleteAll(store, aggregateId);
            }
        };

        void reset() {
            reads.set(0);
            lookups.set(0);
        }
    }
}
