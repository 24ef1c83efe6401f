package dev.tally.examples.bank;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.Aggregate;
import dev.tally.core.EventStore;
import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.ReadOptions;
import dev.tally.core.spi.LoggedEvent;
import dev.tally.core.message.StateCarryingMessage;
import dev.tally.core.runtime.ConvergenceCheck;
import dev.tally.core.snapshot.SnapshotPolicy;
import dev.tally.postgres.PostgresPipeline;
import dev.tally.postgres.PostgresProjectionRunner;
import dev.tally.postgres.PostgresProjectionWriter;
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
 * The bank on {@link PostgresPipeline} end to end: the ledger, a runner per view that commits the
 * view with its checkpoint, the balance as a SQL table and the other two views as JSONB. A SQL query
 * over the table answers what folding the ledger answers. Deliveries cannot arrive out of order or
 * twice here (each runner reads the ledger in order and commits exactly once), so the test instead
 * applies duplicate and stale repair messages, which must change nothing, and makes views stale
 * with SQL for {@code verify(true)} to find and repair.
 */
class BankSqlBalanceTest {
    private static final long THRESHOLD = 150;

    private final DataSource dataSource = TestDatabase.dataSource();
    private final PostgresTables tables = TestDatabase.freshTables("bank_sql");
    private final String balanceTable = tables.schema() + ".bank_balances";

    @Test
    void theBankOnPostgresPipelineItsSqlAnswerIsTheFoldAndVerifyRepairsWhatSqlBroke() throws Exception {
        SqlTableProjectionWriter<BalanceView> balances = BankBalanceTable.writer(dataSource, balanceTable)
                .createTableIfNotExists();
        PostgresProjectionWriter<LastTransaction> lastTransactions = new PostgresProjectionWriter<>(dataSource, tables,
                BankProjections.LAST_TRANSACTION, LastTransaction.class);
        PostgresProjectionWriter<LastMonthBalanceView> lastMonths = new PostgresProjectionWriter<>(dataSource, tables,
                BankProjections.LAST_MONTH_BALANCE, LastMonthBalanceView.class);
        BankProjections query = new BankProjections(balances, lastTransactions, lastMonths);

        try (PostgresPipeline pipeline = PostgresPipeline.builder(dataSource).tables(tables)
                .snapshotPolicy(SnapshotPolicy.everyNEvents(20)).build()) {
            EventStore<Account> accounts = pipeline.store(BankAccount.DEFINITION);
            pipeline.project(BankProjections.BALANCE_VIEW, balances);
            pipeline.project(BankProjections.LAST_TRANSACTION_VIEW, lastTransactions);
            pipeline.project(BankProjections.LAST_MONTH_BALANCE_VIEW, lastMonths);
            pipeline.start();

            runCustomers(accounts, 4, 150, 12);
            assertThat(pipeline.awaitQuiet(Duration.ofSeconds(60))).isTrue();
            assertThat(pipeline.deadLetters().count()).isZero();
            assertTheViewsAreTheFold(accounts, query);

            // duplicates and stale repair messages are harmless: every event's message (the state
            // at its own version) again, shuffled, then every account's current message twice
            PostgresProjectionRunner balanceRunner = pipeline.runner(BankProjections.BALANCE).orElseThrow();
            List<StateCarryingMessage> old = new ArrayList<>();
            for (LoggedEvent l : readAll(pipeline)) {
                old.add(messageAt(accounts, l.event().aggregateId(), l.event().version()));
            }
            Collections.shuffle(old, new Random(7));
            old.forEach(balanceRunner::apply);
            for (String id : ids(accounts)) {
                StateCarryingMessage head = messageAt(accounts, id, accounts.load(id).version());
                for (String projection : List.of(BankProjections.BALANCE, BankProjections.LAST_TRANSACTION,
                        BankProjections.LAST_MONTH_BALANCE)) {
                    pipeline.runner(projection).orElseThrow().apply(head);
                    pipeline.runner(projection).orElseThrow().apply(head);
                }
            }
            assertTheViewsAreTheFold(accounts, query);

            // views made stale with SQL: found by verify, repaired by one message each
            TestDatabase.execute("DELETE FROM " + balanceTable + " WHERE account_id = 'acc-0'");
            TestDatabase.execute("UPDATE " + balanceTable + " SET version = 1, balance = -1 WHERE account_id = 'acc-1'");
            TestDatabase.execute("UPDATE " + tables.views() + " SET version = version - 2"
                    + " WHERE projection = 'last-transaction' AND key IN ('acc-2', 'acc-3')");
            TestDatabase.execute("DELETE FROM " + tables.views() + " WHERE projection = 'last-month-balance'"
                    + " AND key = 'acc-4'");
            ConvergenceCheck.Report found = pipeline.verify(false);
            assertThat(found.staleCount()).isEqualTo(5);
            assertThat(found.stale()).extracting(s -> s.projection() + "/" + s.aggregateId()).containsExactlyInAnyOrder(
                    "balance/acc-0", "balance/acc-1", "last-transaction/acc-2", "last-transaction/acc-3",
                    "last-month-balance/acc-4");
            assertThat(found.stale()).allSatisfy(s -> assertThat(s.viewVersion()).isLessThan(s.ledgerVersion()));

            ConvergenceCheck.Report repaired = pipeline.verify(true);
            assertThat(repaired.repaired()).as("one message per stale aggregate and projection").isEqualTo(5);
            assertThat(pipeline.verify(false).converged()).isTrue();
            assertTheViewsAreTheFold(accounts, query);
        }
    }

    private void assertTheViewsAreTheFold(EventStore<Account> accounts, BankProjections query) throws SQLException {
        List<String> fromFold = new ArrayList<>();
        TreeMap<String, long[]> folded = new TreeMap<>();
        for (String id : ids(accounts)) {
            Aggregate<Account> a = accounts.load(id);
            folded.put(id, new long[] {a.state().balance(), a.version()});
            if (a.state().balance() > THRESHOLD) {
                fromFold.add(id);
            }
            assertThat(query.account(id)).as("the three views of %s", id).contains(BankProjections.expected(a));
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

    private static StateCarryingMessage messageAt(EventStore<Account> accounts, String id, long version) {
        Aggregate<Account> a = accounts.loadAt(id, version);
        return new StateCarryingMessage(accounts.read(id, ReadOptions.range(version, version)).get(0),
                accounts.stateToJson(a.state()));
    }

    private static List<String> ids(EventStore<Account> accounts) {
        List<String> out = new ArrayList<>();
        PageRequest request = PageRequest.first(100);
        while (true) {
            Page<String> page = accounts.listAggregateIds(request);
            out.addAll(page.items());
            if (page.isLast()) {
                return out;
            }
            request = request.next(page.nextCursor());
        }
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
                        accounts.execute(id, new Debit(1 + r.nextInt(40)));
                    } else {
                        accounts.execute(id, new Credit(1 + r.nextInt(40)));
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

    private static List<LoggedEvent> readAll(PostgresPipeline pipeline) {
        List<LoggedEvent> out = new ArrayList<>();
        long position = 0;
        while (true) {
            List<LoggedEvent> batch = pipeline.ledger().readAfter(position, 500);
            if (batch.isEmpty()) {
                return out;
            }
            out.addAll(batch);
            position = batch.get(batch.size() - 1).position();
        }
    }
}
