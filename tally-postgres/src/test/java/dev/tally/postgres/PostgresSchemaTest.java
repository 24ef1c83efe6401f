package dev.tally.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.ReadOptions;
import dev.tally.testing.TestEvents;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PostgresSchemaTest {

    @Test
    void migrateCreatesTheTablesOnceAndThenHasNothingToDo() {
        PostgresTables tables = TestDatabase.emptySchema("migrate");
        PostgresSchema schema = PostgresSchema.of(tables);
        assertThat(schema.currentVersion(TestDatabase.dataSource())).isZero();

        PostgresSchema.MigrationReport first = schema.migrate(TestDatabase.dataSource());
        assertThat(first.applied()).containsExactly(1, 2, 3, 4, 5, 6, 7);
        assertThat(first.versionBefore()).isZero();
        PostgresSchema.MigrationReport second = schema.migrate(TestDatabase.dataSource());
        assertThat(second.changedAnything()).isFalse();
        assertThat(schema.currentVersion(TestDatabase.dataSource())).isEqualTo(PostgresSchema.latestVersion());
    }

    @Test
    void concurrentMigrationsWaitForEachOtherAndApplyEachScriptOnce() throws Exception {
        PostgresTables tables = TestDatabase.emptySchema("concurrent");
        int callers = 6;
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<PostgresSchema.MigrationReport>> results = new ArrayList<>();
        for (int i = 0; i < callers; i++) {
            Callable<PostgresSchema.MigrationReport> migrate = () -> {
                start.await();
                return PostgresSchema.of(tables).migrate(TestDatabase.dataSource());
            };
            results.add(pool.submit(migrate));
        }
        start.countDown();
        int applied = 0;
        for (Future<PostgresSchema.MigrationReport> f : results) {
            applied += f.get(1, TimeUnit.MINUTES).applied().size();
        }
        pool.shutdown();
        assertThat(applied).as("each migration applied by exactly one caller")
                .isEqualTo(PostgresSchema.MIGRATIONS.size());
        new PostgresLedger(TestDatabase.dataSource(), tables).append(List.of(TestEvents.event("s", "a", 1)));
    }

    @Test
    void migrationsOfTwoPrefixesIntoOneNewSchemaAtOnceBothSucceed() throws Exception {
        String schema = TestDatabase.emptySchema("shared").schema();
        int callers = 6;
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<PostgresSchema.MigrationReport>> results = new ArrayList<>();
        for (int i = 0; i < callers; i++) {
            PostgresTables tables = new PostgresTables(schema, i % 2 == 0 ? "app_a_" : "app_b_");
            results.add(pool.submit(() -> {
                start.await();
                return PostgresSchema.of(tables).migrate(TestDatabase.dataSource());
            }));
        }
        start.countDown();
        int applied = 0;
        for (Future<PostgresSchema.MigrationReport> f : results) {
            applied += f.get(1, TimeUnit.MINUTES).applied().size(); // none fails creating the schema
        }
        pool.shutdown();
        assertThat(applied).as("each migration applied once per prefix").isEqualTo(2 * PostgresSchema.MIGRATIONS.size());
    }

    @Test
    void aDatabaseOfTheFirstVersionGetsOnlyTheNewerMigrations() {
        PostgresTables tables = TestDatabase.freshTables("upgrade");
        // as a Tally that shipped only V1 left it
        TestDatabase.execute("DROP TABLE " + tables.idempotencyKeys() + "; DROP TABLE " + tables.archivedStreams() + "; DROP TABLE " + tables.archivedCommands()
                + "; DROP FUNCTION " + tables.schema() + "." + tables.prefix() + "archive_guard; "
                + "DROP TABLE " + tables.sagaTimers() + "; DROP TABLE " + tables.deadLetters() + "; DROP INDEX " + tables.schema() + "."
                + tables.eventsCommandIndex() + "; DELETE FROM " + tables.schemaVersion()
                + " WHERE version > 1");
        PostgresSchema schema = PostgresSchema.of(tables);
        assertThat(schema.currentVersion(TestDatabase.dataSource())).isEqualTo(1);

        PostgresSchema.MigrationReport report = schema.migrate(TestDatabase.dataSource());
        assertThat(report.versionBefore()).isEqualTo(1);
        assertThat(report.applied()).containsExactly(2, 3, 4, 5, 6, 7);
        TestDatabase.execute("SELECT count(*) FROM " + tables.deadLetters());
    }

    @Test
    void theScriptRunByHandCountsAsMigrated() {
        PostgresTables tables = new PostgresTables(TestDatabase.emptySchema("by_hand").schema(), "app_");
        String script = PostgresSchema.of(tables).script();
        assertThat(script).contains("CREATE TABLE " + tables.schema() + ".app_events").doesNotContain("${");
        TestDatabase.execute(script);

        assertThat(PostgresSchema.of(tables).migrate(TestDatabase.dataSource()).changedAnything()).isFalse();
        PostgresLedger ledger = new PostgresLedger(TestDatabase.dataSource(), tables);
        ledger.append(TestEvents.stream("s", "a", 1, 2));
        assertThat(ledger.read("s", "a", ReadOptions.ALL)).hasSize(2);
    }

    @Test
    void anEditedMigrationIsRefused() {
        PostgresTables tables = TestDatabase.freshTables("edited");
        TestDatabase.execute("UPDATE " + tables.schemaVersion() + " SET checksum = 'abc' WHERE version = 1");
        assertThatThrownBy(() -> PostgresSchema.of(tables).migrate(TestDatabase.dataSource()))
                .isInstanceOf(PostgresFailure.class).hasMessageContaining("must never change");
    }

    @Test
    void aSchemaMigratedByANewerTallyIsRefused() {
        PostgresTables tables = TestDatabase.freshTables("newer");
        TestDatabase.execute("INSERT INTO " + tables.schemaVersion() + " (version, description, checksum)"
                + " VALUES (99, 'future', 'x')");
        assertThatThrownBy(() -> PostgresSchema.of(tables).migrate(TestDatabase.dataSource()))
                .isInstanceOf(PostgresFailure.class).hasMessageContaining("Upgrade tally-postgres");
    }

    @Test
    void namesThatWouldNeedQuotingAreRefused() {
        assertThatThrownBy(() -> new PostgresTables("Public", "tally_")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PostgresTables("public; drop table x", "tally_"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PostgresTables("public", "t-"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("prefix");
        assertThat(new PostgresTables("app", "").events()).isEqualTo("app.events");
    }
}
