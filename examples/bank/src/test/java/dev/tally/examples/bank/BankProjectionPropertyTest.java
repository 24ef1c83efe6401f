package dev.tally.examples.bank;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.EventStore;
import dev.tally.core.PageRequest;
import dev.tally.core.RecordedEvent;
import dev.tally.core.spi.LoggedEvent;
import dev.tally.core.memory.InMemoryBus;
import dev.tally.core.memory.InMemoryLedger;
import dev.tally.core.memory.InMemoryProjectionWriter;
import dev.tally.core.internal.Chaos;
import dev.tally.core.runtime.Dispatcher;
import dev.tally.core.projection.Projector;
import dev.tally.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Invariant 4: whatever the bus does (duplicates, reordering) and whatever the feed does
 * (redelivering whole batches), every projection ends equal to a plain sequential fold of the
 * ledger.
 */
class BankProjectionPropertyTest {

    /** One command of a random history. */
    record Step(int account, boolean credit, int amount, int hoursLater, boolean replay) {
    }

    @Provide
    Arbitrary<List<Step>> histories() {
        Arbitrary<Step> step = Combinators.combine(
                Arbitraries.integers().between(0, 3),
                Arbitraries.of(true, true, false),
                Arbitraries.integers().between(1, 60),
                Arbitraries.integers().between(0, 24 * 20),
                Arbitraries.integers().between(0, 19).map(n -> n == 0)
        ).as(Step::new);
        return step.list().ofMinSize(1).ofMaxSize(60);
    }

    @Property(tries = 150)
    void chaoticDeliveryConvergesToTheSequentialFold(@ForAll("histories") List<Step> steps,
                                                     @ForAll long seed) {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        InMemoryLedger ledger = new InMemoryLedger();
        EventStore<Account> store = EventStore.builder(BankAccount.DEFINITION, ledger).clock(clock).build();
        BankProjections projections = new BankProjections(new InMemoryProjectionWriter<>("balance"),
                new InMemoryProjectionWriter<>("last-tx"), new InMemoryProjectionWriter<>("last-month"));
        InMemoryBus bus = InMemoryBus.manual(new Chaos(0.3, Duration.ZERO, true), seed);
        for (Projector<Account, ?> p : projections.projectors()) {
            bus.subscribe(p.target());
        }
        Dispatcher dispatcher = new Dispatcher(List.of(store), bus);

        for (Step s : steps) {
            clock.advance(Duration.ofHours(s.hoursLater()));
            String id = "acc-" + s.account();
            if (s.replay() && store.load(id).exists()) {
                store.requestReplay(id, "property");
            } else if (s.credit()) {
                store.execute(id, new Credit(s.amount()));
            } else {
                store.execute(id, new Debit(s.amount()));
            }
        }

        // the change feed hands over random batches, some of them twice (at-least-once)
        Random random = new Random(seed);
        List<LoggedEvent> log = ledger.readAfter(0, Integer.MAX_VALUE);
        int i = 0;
        while (i < log.size()) {
            int size = 1 + random.nextInt(7);
            List<RecordedEvent> batch = log.subList(i, Math.min(log.size(), i + size)).stream()
                    .map(LoggedEvent::event).toList();
            dispatcher.dispatch(batch);
            if (random.nextInt(4) == 0) {
                dispatcher.dispatch(batch);
            }
            i += size;
        }
        bus.drain();

        assertThat(bus.engine().deadLetterStore().list()).isEmpty();
        for (String id : store.listAggregateIds(PageRequest.first(100)).items()) {
            var expected = BankProjections.expected(store.load(id));
            assertThat(projections.account(id)).as("read model of %s", id).contains(expected);
        }
    }

    @Property(tries = 20)
    void theChecksCanFail(@ForAll long seed) {
        // the same comparison notices a projection that missed its last message
        InMemoryLedger ledger = new InMemoryLedger();
        EventStore<Account> store = EventStore.builder(BankAccount.DEFINITION, ledger).build();
        InMemoryProjectionWriter<BalanceView> balances = new InMemoryProjectionWriter<>("balance");
        BankProjections projections = new BankProjections(balances, new InMemoryProjectionWriter<>("t"),
                new InMemoryProjectionWriter<>("m"));
        store.execute("a", new Credit(10));
        store.execute("a", new Credit(5));
        Dispatcher dispatcher = new Dispatcher(List.of(store), messages -> {
            for (var m : messages) {
                if (m.version() == 1) {
                    projections.projectors().forEach(p -> p.handle(m));
                }
            }
        });
        dispatcher.dispatch(ledger.readAfter(0, 10).stream().map(LoggedEvent::event).toList());
        assertThat(projections.account("a")).isNotEqualTo(
                java.util.Optional.of(BankProjections.expected(store.load("a"))));
    }
}
