package dev.tally.examples.bank;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.EventStore;
import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.RecordedEvent;
import dev.tally.core.feed.BatchHandler;
import dev.tally.core.feed.LoggedEvent;
import dev.tally.core.memory.InMemoryBus;
import dev.tally.core.runtime.Chaos;
import dev.tally.core.runtime.Dispatcher;
import dev.tally.core.projection.Projector;
import dev.tally.core.snapshot.SnapshotPolicy;
import dev.tally.postgres.PostgresChangeFeed;
import dev.tally.postgres.PostgresCheckpointStore;
import dev.tally.postgres.PostgresLedger;
import dev.tally.postgres.PostgresProjectionWriter;
import dev.tally.postgres.PostgresSnapshotStore;
import dev.tally.postgres.PostgresTables;
import dev.tally.postgres.SqlTableProjectionWriter;
import dev.tally.postgres.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * The bank on PostgreSQL end to end: ledger, change feed, dispatcher, a chaotic bus (duplicates,
 * delays, reordering) and the balance view as a SQL table. A SQL query over the table answers
 * what folding the ledger answers.
 */
class BankSqlBalanceTest {
    private static final long THRESHOLD = 150;

    private final DataSource dataSource = TestDatabase.dataSource();
    private final PostgresTables tables = TestDatabase.freshTables("bank_sql");
    private final String balanceTable = tables.schema() + ".bank_balances";

    @Test
    void aSqlQueryOverTheBalanceTableAnswersWhatFoldingTheLedgerAnswers() throws Exception {
        SqlTableProjectionWriter<BalanceView> balances = BankBalanceTable.writer(dataSource, balanceTable)
                .createTableIfNotExists();
        BankProjections projections = new BankProjections(balances,
                new PostgresProjectionWriter<>(dataSource, tables, "last-transaction", LastTransaction.class),
                new PostgresProjectionWriter<>(dataSource, tables, "last-month-balance", LastMonthBalanceView.class));
        PostgresLedger ledger = new PostgresLedger(dataSource, tables);
        EventStore<Account> accounts = EventStore.builder(BankAccount.DEFINITION, ledger)
                .snapshots(new PostgresSnapshotStore(dataSource, tables), SnapshotPolicy.everyNEvents(20)).build();

        try (InMemoryBus bus = InMemoryBus.async(new Chaos(0.3, Duration.ofMillis(10), true))) {
            for (Projector<Account, ?> p : projections.projectors()) {
                bus.subscribe(p.target());
            }
            Dispatcher dispatcher = new Dispatcher(List.of(accounts), bus);
            try (PostgresChangeFeed feed = PostgresChangeFeed.builder("bank-dispatcher", ledger,
                    new PostgresCheckpointStore(dataSource, tables), BatchHandler.of(dispatcher)).start()) {
                runCustomers(accounts, 4, 150, 12);
                awaitQuiet(ledger, feed, bus);
            }
            assertThat(bus.engine().deadLetterStore().list()).isEmpty();
            assertTheSqlAnswerIsTheFold(accounts);

            // a second, wholly stale delivery of every message, shuffled: nothing may change
            List<RecordedEvent> all = new ArrayList<>();
            for (LoggedEvent l : readAll(ledger)) {
                all.add(l.event());
            }
            Collections.shuffle(all, new Random(7));
            assertThat(dispatcher.dispatch(all).ok()).isTrue();
            assertThat(bus.awaitIdle(Duration.ofSeconds(60))).isTrue();
            assertTheSqlAnswerIsTheFold(accounts);
        }
    }

    private void assertTheSqlAnswerIsTheFold(EventStore<Account> accounts) throws SQLException {
        List<String> fromFold = new ArrayList<>();
        TreeMap<String, long[]> folded = new TreeMap<>();
        PageRequest request = PageRequest.first(100);
        while (true) {
            Page<String> page = accounts.listAggregateIds(request);
            for (String id : page.items()) {
                var a = accounts.load(id);
                folded.put(id, new long[] {a.state().balance(), a.version()});
                if (a.state().balance() > THRESHOLD) {
                    fromFold.add(id);
                }
            }
            if (page.isLast()) {
                break;
            }
            request = request.next(page.nextCursor());
        }
        Collections.sort(fromFold);

        List<String> fromSql = new ArrayList<>();
        TreeMap<String, long[]> rows = new TreeMap<>();
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("SELECT account_id FROM " + balanceTable
                    + " WHERE balance > ? ORDER BY account_id COLLATE \"C\"")) {
                ps.setLong(1, THRESHOLD);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        fromSql.add(rs.getString(1));
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT account_id, balance, version FROM " + balanceTable);
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.put(rs.getString(1), new long[] {rs.getLong(2), rs.getLong(3)});
                }
            }
        }
        assertThat(fromFold).as("some accounts are above the threshold, some are not")
                .isNotEmpty().hasSizeLessThan(folded.size());
        assertThat(fromSql).as("SELECT account_id FROM bank_balances WHERE balance > %d", THRESHOLD)
                .isEqualTo(fromFold);
        assertThat(rows.keySet()).isEqualTo(folded.keySet());
        rows.forEach((id, row) -> assertThat(row).as("balance and version of %s", id).containsExactly(folded.get(id)));
    }

    /** Writers crediting and debiting random accounts at once. */
    private static void runCustomers(EventStore<Account> accounts, int writers, int commandsEach, int accountCount)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        List<Future<?>> futures = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int seed = w;
            futures.add(pool.submit(() -> {
                Random r = new Random(seed);
                for (int i = 0; i < commandsEach; i++) {
                    String id = "acc-" + r.nextInt(accountCount);
                    if (r.nextInt(3) == 0) {
                        accounts.execute(id, BankAccount.debit(1 + r.nextInt(40)));
                    } else {
                        accounts.execute(id, BankAccount.credit(1 + r.nextInt(40)));
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get(3, TimeUnit.MINUTES);
        }
        pool.shutdown();
    }

    private static void awaitQuiet(PostgresLedger ledger, PostgresChangeFeed feed, InMemoryBus bus)
            throws InterruptedException {
        List<LoggedEvent> all = readAll(ledger);
        long last = all.get(all.size() - 1).position();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (feed.position() < last) {
            assertThat(System.nanoTime()).as("the feed reaches the ledger's head").isLessThan(deadline);
            Thread.sleep(10);
        }
        assertThat(bus.awaitIdle(Duration.ofSeconds(60))).isTrue();
    }

    private static List<LoggedEvent> readAll(PostgresLedger ledger) {
        List<LoggedEvent> out = new ArrayList<>();
        long position = 0;
        while (true) {
            List<LoggedEvent> batch = ledger.readAfter(position, 500);
            if (batch.isEmpty()) {
                return out;
            }
            out.addAll(batch);
            position = batch.get(batch.size() - 1).position();
        }
    }
}
