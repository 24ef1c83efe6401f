package dev.tally.examples.bank;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.EventStore;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.command.CommandResult;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * The concurrency proof of the foundation issue, reusable on every ledger: an account credited
 * with {@code threads * perThread / 2}, then {@code threads} threads each debiting 1,
 * {@code perThread} times, all at once.
 */
public final class BankRace {
    private BankRace() {
    }

    /** What happened: accepted and rejected debits, the final balance and the ledger's versions. */
    public record Outcome(int accepted, int rejected, long balance, List<Long> versions) {
        /** Exactly {@code funds} debits won, the rest were told "insufficient funds", and nothing else. */
        public void assertExact(int funds) {
            assertThat(accepted).as("accepted debits").isEqualTo(funds);
            assertThat(balance).as("final balance").isZero();
            List<Long> expected = new ArrayList<>();
            for (long v = 1; v <= funds + 1; v++) {
                expected.add(v);
            }
            assertThat(versions).as("ledger versions 1..%d, contiguous, no duplicates", funds + 1)
                    .isEqualTo(expected);
        }
    }

    /** Threads sharing one event store: commands on the account take turns inside the process. */
    public static Outcome run(EventStore<Account> shared, int threads, int perThread) throws Exception {
        return run(t -> shared, threads, perThread);
    }

    /**
     * Each thread with the store {@code storeOfThread} gives it: give each its own instance (own
     * cache, own command lock) and they race like separate processes, through the ledger's
     * conditional write alone.
     */
    public static Outcome run(IntFunction<EventStore<Account>> storeOfThread, int threads, int perThread)
            throws Exception {
        String id = "race-" + UUID.randomUUID();
        int funds = threads * perThread / 2;
        EventStore<Account> store = storeOfThread.apply(0);
        store.execute(id, new Credit(funds));
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger rejected = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            EventStore<Account> mine = storeOfThread.apply(t);
            futures.add(pool.submit(() -> {
                start.await();
                for (int i = 0; i < perThread; i++) {
                    CommandResult<Account> r = mine.execute(id, new Debit(1));
                    if (r instanceof CommandResult.Accepted) {
                        accepted.incrementAndGet();
                    } else if (r instanceof CommandResult.Rejected<Account> rej
                            && rej.rejection().code().equals(AccountCommand.INSUFFICIENT_FUNDS)) {
                        rejected.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : futures) {
            f.get(10, TimeUnit.MINUTES);
        }
        pool.shutdown();
        assertThat(accepted.get() + rejected.get()).as("every debit got a typed answer")
                .isEqualTo(threads * perThread);
        List<Long> versions = store.read(id, ReadOptions.ALL).stream().map(RecordedEvent::version).toList();
        return new Outcome(accepted.get(), rejected.get(), store.load(id).state().balance(), versions);
    }
}
