package dev.tally.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.EventMetadata;
import dev.tally.core.InvalidEventException;
import dev.tally.core.PageRequest;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.ledger.EventTooLarge;
import dev.tally.core.ledger.GroupTooLarge;
import dev.tally.core.ledger.VersionConflict;
import dev.tally.core.ledger.VersionGap;
import dev.tally.testing.TestEvents;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.postgresql.ds.PGSimpleDataSource;

/** What the PostgreSQL ledger does beyond the contract: batches, refusals, queries, JSONB numbers. */
class PostgresLedgerTest {
    private static final PostgresTables TABLES = TestDatabase.freshTables("ledger");
    private static final PostgresLedger LEDGER = new PostgresLedger(TestDatabase.dataSource(), TABLES);

    private final String store = TestEvents.uniqueStore("pg");

    @Test
    void aBatchOfAHundredNewStreamsIsOneAtomicAppend() {
        List<RecordedEvent> batch = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            batch.add(TestEvents.event(store, String.format("acc-%03d", i), 1));
        }
        LEDGER.append(batch);
        assertThat(LEDGER.listAggregateIds(store, PageRequest.first(1000)).items()).hasSize(100);

        // the same shape with one conflict in the middle writes nothing
        List<RecordedEvent> next = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            next.add(TestEvents.event(store, String.format("acc-%03d", i), i == 50 ? 1 : 2));
        }
        VersionConflict c = (VersionConflict) catchRefusal(() -> LEDGER.append(next));
        assertThat(c.aggregateId()).isEqualTo("acc-050");
        assertThat(c.attemptedVersion()).isEqualTo(1);
        assertThat(c.existing()).contains(batch.get(50));
        assertThat(LEDGER.read(store, "acc-000", ReadOptions.ALL)).hasSize(1);
    }

    @Test
    void aBatchMixingStreamsAndSeveralEventsPerStreamChecksOnlyEachStreamsFirstEvent() {
        LEDGER.append(TestEvents.stream(store, "x", 1, 2));
        List<RecordedEvent> batch = new ArrayList<>(TestEvents.stream(store, "x", 3, 6));
        batch.addAll(TestEvents.stream(store, "y", 1, 4));
        LEDGER.append(batch);
        assertThat(LEDGER.read(store, "x", ReadOptions.ALL)).extracting(RecordedEvent::version)
                .containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
        assertThat(LEDGER.read(store, "y", ReadOptions.ALL)).hasSize(4);
    }

    @Test
    void aPoolWithoutAutocommitStillCommitsEveryAppend() throws Exception {
        com.zaxxer.hikari.HikariConfig config = new com.zaxxer.hikari.HikariConfig();
        config.setJdbcUrl(TestDatabase.jdbcUrl());
        config.setUsername("postgres");
        config.setAutoCommit(false);
        config.setMaximumPoolSize(2);
        try (com.zaxxer.hikari.HikariDataSource manual = new com.zaxxer.hikari.HikariDataSource(config)) {
            PostgresLedger ledger = new PostgresLedger(manual, TABLES);
            String store = TestEvents.uniqueStore("manual");
            ledger.append(TestEvents.stream(store, "a", 1, 3));
            ledger.append(List.of(TestEvents.event(store, "a", 4)));
            // seen from another pool: committed, not rolled back when the connection went back
            assertThat(LEDGER.read(store, "a", ReadOptions.ALL)).hasSize(4);
            assertThatThrownBy(() -> ledger.append(List.of(TestEvents.event(store, "a", 4))))
                    .isInstanceOf(VersionConflict.class);
            assertThat(LEDGER.read(store, "a", ReadOptions.ALL)).hasSize(4);
        }
    }

    @Test
    void aGapSaysWhereTheStreamEnds() {
        LEDGER.append(TestEvents.stream(store, "g", 1, 2));
        List<RecordedEvent> group = List.of(TestEvents.event(store, "h", 1), TestEvents.event(store, "g", 5));
        VersionGap gap = (VersionGap) catchRefusal(() -> LEDGER.append(group));
        assertThat(gap.aggregateId()).isEqualTo("g");
        assertThat(gap.attemptedVersion()).isEqualTo(5);
        assertThat(gap.getMessage()).contains("the stream ends at version 2");
        assertThat(LEDGER.read(store, "h", ReadOptions.ALL)).isEmpty();
    }

    @Test
    void aConflictReportsTheStoredEvent() {
        RecordedEvent first = TestEvents.event(store, "c", 1);
        LEDGER.append(List.of(first));
        VersionConflict c = (VersionConflict) catchRefusal(() -> LEDGER.append(List.of(TestEvents.event(store, "c", 1))));
        assertThat(c.existing()).contains(first);
        assertThat(c.getMessage()).contains("another writer got there first");
    }

    @Test
    void anEventOverTheSizeLimitIsRefusedBeforeAnyWrite() {
        PostgresLedger small = PostgresLedger.builder(TestDatabase.dataSource()).tables(TABLES).maxEventBytes(1000)
                .build();
        ObjectNode big = JsonCodec.object().put("text", "é".repeat(600)); // 1200 bytes in UTF-8
        List<RecordedEvent> group = List.of(TestEvents.event(store, "s", 1),
                TestEvents.event(store, "s", 2, "Big", big, EventMetadata.empty()));
        EventTooLarge e = (EventTooLarge) catchRefusal(() -> small.append(group));
        assertThat(e.limit()).isEqualTo(1000);
        assertThat(e.size()).isGreaterThan(1000);
        assertThat(LEDGER.read(store, "s", ReadOptions.ALL)).isEmpty();
    }

    @Test
    void aGroupOverTheLimitIsRefusedBeforeAnyWrite() {
        PostgresLedger small = PostgresLedger.builder(TestDatabase.dataSource()).tables(TABLES).maxEventsPerAppend(3)
                .build();
        assertThatThrownBy(() -> small.append(TestEvents.stream(store, "big", 1, 4)))
                .isInstanceOf(GroupTooLarge.class).hasMessageContaining("limit of 3");
        assertThat(LEDGER.read(store, "big", ReadOptions.ALL)).isEmpty();
    }

    @Test
    void aNulCharacterIsRefusedWithAnActionableMessageAndNothingIsWritten() {
        ObjectNode payload = JsonCodec.object().put("text", "bad\u0000byte");
        List<RecordedEvent> group = List.of(TestEvents.event(store, "n", 1),
                TestEvents.event(store, "n", 2, "Nul", payload, EventMetadata.empty()));
        assertThatThrownBy(() -> LEDGER.append(group)).isInstanceOf(InvalidEventException.class)
                .hasMessageContaining(store + "/n@2").hasMessageContaining("NUL").hasMessageContaining("nothing was written");
        assertThat(LEDGER.read(store, "n", ReadOptions.ALL)).isEmpty();
    }

    @Test
    void aTimestampPostgresCannotHoldIsRefusedAndNothingIsWritten() {
        Instant farFuture = Instant.parse("+300000-01-01T00:00:00Z");
        List<RecordedEvent> group = List.of(TestEvents.event(store, "ts", 1),
                new RecordedEvent(store, "ts", 2, "Late", 1, farFuture, JsonCodec.object(), EventMetadata.empty()));
        assertThatThrownBy(() -> LEDGER.append(group)).isInstanceOf(InvalidEventException.class)
                .hasMessageContaining("timestamp").hasMessageContaining("nothing was written");
        RecordedEvent single = new RecordedEvent(store, "ts1", 1, "Late", 1, farFuture, JsonCodec.object(),
                EventMetadata.empty());
        assertThatThrownBy(() -> LEDGER.append(List.of(single))).isInstanceOf(InvalidEventException.class);
        assertThat(LEDGER.read(store, "ts", ReadOptions.ALL)).isEmpty();
    }

    @Test
    void numbersReadBackAsTheyWereWrittenThoughJsonbStoresThemAsNumeric() {
        ObjectNode payload = JsonCodec.object();
        payload.put("bigDouble", 1.5e20);
        payload.put("max", Double.MAX_VALUE);
        payload.put("tiny", 1e-7);
        payload.put("min", Double.MIN_VALUE);
        payload.put("negativeZero", -0.0);
        payload.put("twoPoint0", 2.0);
        payload.put("longMax", Long.MAX_VALUE);
        payload.put("longMin", Long.MIN_VALUE);
        payload.put("hugeInteger", new BigInteger("123456789012345678901234567890"));
        payload.put("exactDecimal", new BigDecimal("0.1000000000000000000000001"));
        payload.putArray("list").add(0.1).add(3).add(-2.5e-300);
        RecordedEvent e = TestEvents.event(store, "num", 1, "Numbers", payload, EventMetadata.empty());
        LEDGER.append(List.of(e));
        RecordedEvent back = LEDGER.read(store, "num", ReadOptions.ALL).get(0);
        assertThat(back.payload()).isEqualTo(e.payload());
        assertThat(back).isEqualTo(e);
    }

    @Test
    void timestampsAndMetadataRoundTripExactly() {
        Instant at = Instant.parse("1999-12-31T23:59:59.999Z");
        EventMetadata md = new EventMetadata("corr", "cause", "actor", java.util.Map.of("b", "2", "a", "1"));
        RecordedEvent e = new RecordedEvent(store, "t", 1, "T", 3, at, JsonCodec.object().put("k", "v"), md);
        LEDGER.append(List.of(e));
        assertThat(LEDGER.read(store, "t", ReadOptions.ALL)).containsExactly(e);
    }

    @Test
    void listsAggregateIdsInCodePointOrderOnlyOfStreamsWithEvents() {
        for (String id : List.of("b", "a", "B", "a-2", "Z", "é")) {
            LEDGER.append(List.of(TestEvents.event(store, id, 1)));
            LEDGER.append(List.of(TestEvents.event(store, id, 2)));
        }
        List<String> all = new ArrayList<>();
        PageRequest request = PageRequest.first(2);
        while (true) {
            var page = LEDGER.listAggregateIds(store, request);
            all.addAll(page.items());
            if (page.isLast()) {
                break;
            }
            request = request.next(page.nextCursor());
        }
        assertThat(all).containsExactly("B", "Z", "a", "a-2", "b", "é");
    }

    @Test
    void findsEventsByTypeAndByCorrelationIdThroughTheirIndexes() throws SQLException {
        EventMetadata md = EventMetadata.of("req-42", null, "alice");
        LEDGER.append(List.of(TestEvents.event(store, "q", 1, "Opened", JsonCodec.object(), md),
                TestEvents.event(store, "q", 2, "Closed", JsonCodec.object(), EventMetadata.empty())));
        LEDGER.append(List.of(TestEvents.event(store, "r", 1, "Opened", JsonCodec.object(), md)));

        assertThat(LEDGER.eventsOfType(store, "Opened", 0, 10)).extracting(l -> l.event().aggregateId())
                .containsExactly("q", "r");
        assertThat(LEDGER.eventsWithCorrelationId("req-42", 0, 10)).extracting(l -> l.event().coordinates())
                .containsExactly(store + "/q@1", store + "/r@1");

        try (Connection c = TestDatabase.dataSource().getConnection(); Statement st = c.createStatement()) {
            st.execute("SET enable_seqscan = off");
            assertThat(plan(st, "SELECT * FROM " + TABLES.events() + " WHERE store = 's' AND type = 'Opened'"
                    + " AND position > 0 ORDER BY position LIMIT 10")).contains(TABLES.prefix() + "events_type");
            assertThat(plan(st, "SELECT * FROM " + TABLES.events() + " WHERE metadata ->> 'correlationId' = 'x'"
                    + " AND position > 0 ORDER BY position LIMIT 10")).contains(TABLES.prefix() + "events_correlation");
            assertThat(plan(st, "SELECT aggregate_id FROM " + TABLES.events() + " WHERE store = 's' AND version = 1"
                    + " AND aggregate_id > '' ORDER BY aggregate_id LIMIT 10")).contains(TABLES.prefix() + "events_streams");
            st.execute("RESET enable_seqscan");
        }
    }

    @Test
    void anAppendNotifiesTheChannelOnCommit() throws Exception {
        try (Connection listener = TestDatabase.dataSource().getConnection()) {
            try (Statement st = listener.createStatement()) {
                st.execute("LISTEN \"" + TABLES.channel() + "\"");
            }
            LEDGER.append(List.of(TestEvents.event(store, "ping", 1)));
            PGNotification[] got = listener.unwrap(PGConnection.class)
                    .getNotifications((int) TimeUnit.SECONDS.toMillis(10));
            assertThat(got).isNotEmpty();
            assertThat(got[0].getName()).isEqualTo(TABLES.channel());
            try (Statement st = listener.createStatement()) {
                st.execute("UNLISTEN *");
            }
        }
    }

    @Test
    void missingTablesSayHowToCreateThem() {
        PostgresLedger nowhere = new PostgresLedger(TestDatabase.dataSource(), TestDatabase.emptySchema("missing"));
        assertThatThrownBy(() -> nowhere.append(List.of(TestEvents.event(store, "a", 1))))
                .isInstanceOf(PostgresFailure.class)
                .hasMessageContaining("PostgresSchema.of(tables).migrate(dataSource)")
                .hasMessageContaining("42P01");
        assertThatThrownBy(() -> nowhere.read(store, "a", ReadOptions.ALL)).isInstanceOf(PostgresFailure.class);
    }

    @Test
    void aGroupTakesItsRowsInKeyOrderSoGroupsInOppositeOrdersNeverDeadlock() throws Exception {
        LEDGER.append(List.of(TestEvents.event(store, "a", 1), TestEvents.event(store, "b", 1)));
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (Connection held = TestDatabase.dataSource().getConnection()) {
            held.setAutoCommit(false);
            // transaction 1 (a transfer a to b) has written a@2 and waits to commit
            LEDGER.insert(held, LEDGER.encode(List.of(TestEvents.event(store, "a", 2))));
            // transaction 2 (b to a) lists b first, but takes a@2 first: it waits there, holding nothing
            Future<RuntimeException> other = pool.submit(() -> catchRefusal(() -> LEDGER.append(
                    List.of(TestEvents.event(store, "b", 2), TestEvents.event(store, "a", 2)))));
            awaitAnAppendWaitingOnALock();
            // so b@2 is free: a third writer takes it at once. Inserting in the caller's order, transaction 2
            // would hold b@2 while it waits, and transaction 1 writing b@2 next would deadlock with it
            try (Connection probe = TestDatabase.dataSource().getConnection()) {
                probe.setAutoCommit(false);
                try (Statement st = probe.createStatement()) {
                    st.execute("SET LOCAL lock_timeout = '500ms'");
                }
                LEDGER.insert(probe, LEDGER.encode(List.of(TestEvents.event(store, "b", 2))));
                probe.rollback();
            }
            held.commit();
            assertThat(other.get(30, TimeUnit.SECONDS)).isInstanceOf(VersionConflict.class);
        } finally {
            pool.shutdownNow();
        }
        assertThat(LEDGER.read(store, "a", ReadOptions.ALL)).hasSize(2);
        assertThat(LEDGER.read(store, "b", ReadOptions.ALL)).hasSize(1);
    }

    @Test
    void anAppendTheServerRollsBackToEndADeadlockIsAConflictToDecideAgain() throws Exception {
        LEDGER.append(List.of(TestEvents.event(store, "a", 1), TestEvents.event(store, "b", 1)));
        ExecutorService pool = Executors.newSingleThreadExecutor();
        Future<RuntimeException> append;
        // PostgreSQL rolls back the waiter that finds the cycle, when its deadlock_timeout ends: the append
        // looks after 3 s and the writer after a minute, so the append is the one, however slow this machine
        PGSimpleDataSource patient = new PGSimpleDataSource();
        patient.setURL(TestDatabase.jdbcUrl());
        patient.setOptions("-c deadlock_timeout=3s");
        PostgresLedger appending = new PostgresLedger(patient, TABLES);
        try (Connection other = TestDatabase.dataSource().getConnection()) {
            other.setAutoCommit(false);
            try (Statement st = other.createStatement()) {
                st.execute("SET LOCAL deadlock_timeout = '60s'");
            }
            // another writer, not an append (a hand-written script, say), holds b@2...
            LEDGER.insert(other, LEDGER.encode(List.of(TestEvents.event(store, "b", 2))));
            // ...the append takes a@2 and waits on b@2...
            append = pool.submit(() -> catchRefusal(() -> appending.append(
                    List.of(TestEvents.event(store, "a", 2), TestEvents.event(store, "b", 2)))));
            awaitAnAppendWaitingOnALock();
            // ...and the writer wants a@2 too: the server ends the deadlock by rolling one of them back
            try (Statement st = other.createStatement()) {
                st.execute("INSERT INTO " + TABLES.events() + " (" + PostgresLedger.COLUMNS + ") VALUES"
                        + " ((pg_current_xact_id()::text::bigint << " + PostgresLedger.INDEX_BITS + ") + 1, '"
                        + store + "', 'a', 2, 'Hand', 1, now(), '{}', '{}')");
                other.commit();
            }
            RuntimeException outcome = append.get(60, TimeUnit.SECONDS);
            // the append was rolled back: a conflict, which a command answers by loading again and deciding
            // again, not an unknown failure
            assertThat(outcome).isInstanceOf(VersionConflict.class);
        } finally {
            pool.shutdownNow();
        }
        assertThat(LEDGER.read(store, "a", ReadOptions.ALL)).hasSize(2);
        assertThat(LEDGER.read(store, "b", ReadOptions.ALL)).hasSize(2);
    }

    private static void awaitAnAppendWaitingOnALock() throws Exception {
        String waiting = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                + " AND pid <> pg_backend_pid() AND query LIKE '%" + TABLES.events() + "%'";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        try (Connection c = TestDatabase.dataSource().getConnection(); Statement st = c.createStatement()) {
            while (true) {
                try (ResultSet rs = st.executeQuery(waiting)) {
                    rs.next();
                    if (rs.getLong(1) > 0) {
                        return;
                    }
                }
                assertThat(System.nanoTime()).as("the racing append waits on a lock").isLessThan(deadline);
                Thread.sleep(10);
            }
        }
    }

    private static String plan(Statement st, String sql) throws SQLException {
        StringBuilder out = new StringBuilder();
        try (ResultSet rs = st.executeQuery("EXPLAIN " + sql)) {
            while (rs.next()) {
                out.append(rs.getString(1)).append('\n');
            }
        }
        return out.toString();
    }

    private static RuntimeException catchRefusal(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            return e;
        }
        throw new AssertionError("the append was accepted");
    }
}
