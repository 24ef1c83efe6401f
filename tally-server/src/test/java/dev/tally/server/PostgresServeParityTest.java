package dev.tally.server;

import static dev.tally.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.AggregateDefinition;
import dev.tally.core.Decider;
import dev.tally.core.EventStore;
import dev.tally.core.ReadOptions;
import dev.tally.core.StreamArchived;
import dev.tally.core.app.TallyApp;
import dev.tally.core.command.Command;
import dev.tally.core.command.Decision;
import dev.tally.core.internal.Chaos;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.privacy.PersonalFields;
import dev.tally.core.projection.Projection;
import dev.tally.core.projection.SqlTable;
import dev.tally.postgres.PostgresPipeline;
import dev.tally.testing.http.HostContract.Answer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What {@code --engine dynamodb-local} offers, on {@code --engine postgres}: an app's SQL table
 * projection, chaos, archiving through the server, and a JDBC URL of an existing server.
 */
class PostgresServeParityTest {
    public record Count(long value) {
    }

    public sealed interface CounterEvent permits Counted {
    }

    public record Counted(long by) implements CounterEvent {
    }

    public sealed interface CounterCommand extends Command<Count> permits Add {
    }

    public record Add(long by) implements CounterCommand {
    }

    public record Total(long value, String parity) {
    }

    static final AggregateDefinition<Count> COUNTER = AggregateDefinition.builder("counter", Count.class,
            CounterCommand.class, CounterEvent.class, Decider.<CounterCommand, CounterEvent, Count>of(new Count(0),
                    (c, s) -> Decision.emit(new Counted(((Add) c).by())),
                    (s, e) -> new Count(s.value() + ((Counted) e.payload()).by()))).build();
    static final Projection<Count, Total> TOTAL = Projection.of("total", COUNTER, Total.class,
            a -> new Total(a.state().value(), a.state().value() % 2 == 0 ? "even" : "odd"));

    public record Member(String name) {
    }

    public sealed interface MemberEvent permits Joined {
    }

    public record Joined(String name) implements MemberEvent {
    }

    public sealed interface MemberCommand extends Command<Member> permits Join {
    }

    public record Join(String name) implements MemberCommand {
    }

    static final AggregateDefinition<Member> MEMBER = AggregateDefinition.builder("member", Member.class,
            MemberCommand.class, MemberEvent.class, Decider.<MemberCommand, MemberEvent, Member>of(new Member(null),
                    (c, s) -> Decision.emit(new Joined(((Join) c).name())),
                    (s, e) -> new Member(((Joined) e.payload()).name())))
            .personalData(Joined.class, PersonalFields.of("name")).build();

    /** The counter ids whose view fails while set: their deliveries are retried, then dead-lettered. */
    static final Set<String> FAILING = ConcurrentHashMap.newKeySet();
    static final Projection<Count, Total> FRAGILE = Projection.of("fragile", COUNTER, Total.class, a -> {
        if (FAILING.contains(a.aggregateId())) {
            throw new IllegalStateException("the fragile view of " + a.aggregateId() + " fails on purpose");
        }
        return new Total(a.state().value(), "");
    });

    /** A counter whose totals the app wants in {@code table}, and members with personal data. */
    record CounterApp(String table) implements TallyApp {
        @Override
        public String name() {
            return "counting";
        }

        @Override
        public List<AggregateDefinition<?>> stores() {
            return List.of(COUNTER, MEMBER);
        }

        @Override
        public List<Projection<?, ?>> projections() {
            return List.of(TOTAL, FRAGILE);
        }

        @Override
        public List<SqlTable<?>> sqlTables() {
            return List.of(SqlTable.of(TOTAL, table).key("counter_id").bigint("value", Total::value)
                    .text("parity", Total::parity).build());
        }
    }

    private static TallyServer server;

    @BeforeAll
    static void start() {
        server = TallyServer.start(new TallyServer.Settings(null, TallyServer.HOST, 0, null, Chaos.NONE,
                List.of(new CounterApp("counter_totals"))), PostgresServeEngine.factory(null, null, Map.of()),
                line -> { });
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void anAppsSqlTableHoldsItsViewsAsTypedRowsAndTheRoutesReadThem() throws Exception {
        for (int i = 1; i <= 3; i++) {
            assertThat(add("s" + i, i * 10 + i).status()).isEqualTo(200);
        }
        settle();
        assertThat(query("SELECT string_agg(counter_id || '=' || value || '/' || parity || '@' || version, ','"
                + " ORDER BY counter_id) FROM counter_totals WHERE counter_id LIKE 's%' AND value > 15"))
                .isEqualTo("s2=22/even@1,s3=33/odd@1");
        Answer view = get("/api/views/total/s3");
        assertThat(view.status()).as(view.body()).isEqualTo(200);
        assertThat(JsonCodec.parse(view.body()).toString()).contains("\"value\":33").contains("\"parity\":\"odd\"");
        assertThat(query("SELECT count(*) FROM tally_views WHERE projection = 'total'")).isEqualTo("0");

        // a row lost is found stale and repaired by verify, through the same table
        sql("DELETE FROM counter_totals WHERE counter_id = 's1'");
        JsonNode repaired = JsonCodec.parse(post("/api/verify?repair=true", "").body());
        assertThat(repaired.get("repaired").asLong()).isEqualTo(1);
        settle();
        assertThat(query("SELECT value FROM counter_totals WHERE counter_id = 's1'")).isEqualTo("11");
    }

    @Test
    void chaosRepeatsAndDelaysWritesAndTheViewsStillFollowTheLedger() throws Exception {
        assertThat(post("/api/chaos", "{\"on\": true}").status()).isEqualTo(200);
        try {
            ExecutorService pool = Executors.newFixedThreadPool(4);
            // four rounds, each settled: a runner's batch keeps only the newest row of a key, so one
            // quick burst may write each key once, leaving no older state for chaos to write late
            for (int round = 0; round < 4; round++) {
                List<Future<Answer>> sent = new ArrayList<>();
                for (int i = 0; i < 30; i++) {
                    String id = "c" + (i % 6);
                    sent.add(pool.submit(() -> add(id, 1)));
                }
                for (Future<Answer> f : sent) {
                    assertThat(f.get().status()).isEqualTo(200);
                }
                settle();
            }
            pool.shutdown();
            JsonNode pipeline = JsonCodec.parse(get("/api/pipeline").body());
            assertThat(pipeline.get("chaos").get("on").asBoolean()).isTrue();
            assertThat(pipeline.get("chaosEffects").get("duplicated").asLong()).isPositive();
            assertThat(pipeline.get("chaosEffects").get("lateWrites").asLong()).isPositive();
            for (int k = 0; k < 6; k++) {
                assertThat(query("SELECT value || '@' || version FROM counter_totals WHERE counter_id = 'c" + k + "'"))
                        .isEqualTo("20@20");
            }
            assertThat(JsonCodec.parse(post("/api/verify", "").body()).get("converged").asBoolean()).isTrue();
        } finally {
            post("/api/chaos", "{\"on\": false}");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void archivesThroughTheServerAndServesTheArchivedHistory() throws Exception {
        EventStore<Count> old = EventStore.builder(COUNTER, server.archiveLedger())
                .clock(Clock.fixed(Instant.now().minus(Duration.ofDays(40)), ZoneOffset.UTC)).build();
        for (int k = 1; k <= 5; k++) {
            old.execute("a1", new Add(k));
            old.execute("a2", new Add(k));
        }
        settle();
        Answer archived = post("/api/ops/stores/counter/archive", "{\"ids\": [\"a1\", \"a2\"], \"idleDays\": 30}");
        assertThat(archived.status()).as(archived.body()).isEqualTo(200);
        assertThat(JsonCodec.parse(archived.body()).findValuesAsText("outcome")).containsExactly("archived",
                "archived");
        PostgresPipeline pipeline = ((PostgresServeEngine) server.engine()).pipeline;
        assertThat(pipeline.ledger().read("counter", "a1", ReadOptions.ALL)).singleElement()
                .satisfies(e -> assertThat(e.type()).isEqualTo(StreamArchived.TYPE_NAME));

        JsonNode events = JsonCodec.parse(get("/api/stores/counter/a1/events").body()).get("events");
        assertThat(events).hasSize(6);
        assertThat(events.get(0).get("payload").get("by").asLong()).isEqualTo(1);
        assertThat(events.get(5).get("type").asText()).isEqualTo(StreamArchived.TYPE_NAME);
        Answer next = add("a1", 100);
        assertThat(JsonCodec.parse(next.body()).get("version").asLong()).as(next.body()).isEqualTo(7);
        settle();
        assertThat(query("SELECT value FROM counter_totals WHERE counter_id = 'a1'")).isEqualTo("115");
        EventStore<Count> counters = (EventStore<Count>) server.stores().get("counter");
        assertThat(counters.loadAt("a2", 3).state()).isEqualTo(new Count(6));
    }

    @Test
    void personalDataIsSealedInTheLedgerAndForgotten() throws Exception {
        assertThat(post("/api/stores/member/m1/commands/Join", "{\"name\": \"Wilhelmina Quist\"}").status())
                .isEqualTo(200);
        assertThat(get("/api/stores/member/m1/events").body()).contains("Wilhelmina Quist");
        assertThat(query("SELECT count(*) FROM tally_events WHERE store = 'member' AND payload::text LIKE '%Quist%'"))
                .as("the name is sealed in the ledger").isEqualTo("0");
        Answer forgot = post("/api/forget/member/m1", "");
        assertThat(forgot.status()).as(forgot.body()).isEqualTo(200);
        assertThat(get("/api/stores/member/m1/events").body()).doesNotContain("Wilhelmina");
        assertThat(post("/api/forget/counter/s1", "").status()).isEqualTo(409);
    }

    @Test
    void replayAndRebuildRefreshViewsAndDeadLettersAreRedriven() throws Exception {
        add("r1", 4);
        settle();
        sql("UPDATE counter_totals SET value = -1 WHERE counter_id = 'r1'");
        assertThat(post("/api/replay/counter/r1", "").status()).isEqualTo(200);
        settle();
        assertThat(query("SELECT value || '@' || version FROM counter_totals WHERE counter_id = 'r1'"))
                .as("the replay event's message rewrites the view").isEqualTo("4@2");
        sql("DELETE FROM counter_totals WHERE counter_id = 'r1'");
        Answer resent = post("/api/ops/projections/total/resend", "{\"ids\": [\"r1\"]}");
        assertThat(resent.status()).as(resent.body()).isEqualTo(200);
        assertThat(query("SELECT value FROM counter_totals WHERE counter_id = 'r1'")).as("rebuilt").isEqualTo("4");

        FAILING.add("poison");
        add("poison", 3);
        eventually(Duration.ofSeconds(90), () -> assertThat(JsonCodec.parse(get("/api/dead-letters").body())
                .findValuesAsText("target")).contains("fragile"));
        JsonNode letter = JsonCodec.parse(get("/api/dead-letters").body()).get("deadLetters").get(0);
        assertThat(letter.get("ref").get("aggregateId").asText()).isEqualTo("poison");
        FAILING.clear();
        Answer redriven = post("/api/dead-letters/" + letter.get("id").asText() + "/redrive", "");
        assertThat(redriven.status()).as(redriven.body()).isEqualTo(200);
        assertThat(server.views("fragile").read("poison").orElseThrow().version()).isEqualTo(1);
        assertThat(JsonCodec.parse(get("/api/dead-letters").body()).get("deadLetters")).isEmpty();
    }

    @Test
    void aTableThatLacksAColumnIsRefusedAtStartWithWhatToAdd() throws Exception {
        sql("CREATE SCHEMA IF NOT EXISTS other; CREATE TABLE other.half_totals (counter_id text PRIMARY KEY,"
                + " version bigint NOT NULL, value bigint)");
        String url = ((PostgresServeEngine) server.engine()).database().embeddedJdbcUrl().orElseThrow();
        assertThatThrownBy(() -> TallyServer.start(new TallyServer.Settings(null, TallyServer.HOST, 0, null,
                Chaos.NONE, List.of(new CounterApp("other.half_totals"))), PostgresServeEngine.factory(url, "other",
                Map.of()), line -> { }).close())
                .hasMessageContaining("app counting: the SQL table of projection 'total' cannot be used")
                .hasMessageContaining("lacks a column");
        // the same existing server by URL, its tables in a schema of their own, with a table that fits
        try (TallyServer other = TallyServer.start(new TallyServer.Settings(null, TallyServer.HOST, 0, null,
                Chaos.NONE, List.of(new CounterApp("other.totals"))), PostgresServeEngine.factory(url, "other",
                Map.of()), line -> { })) {
            assertThat(ServerHostContract.over(other, "POST", "/api/stores/counter/x/commands/Add",
                    Map.of("Content-Type", "application/json"), "{\"by\": 7}").status()).isEqualTo(200);
            assertThat(other.awaitQuiet(Duration.ofSeconds(60))).isTrue();
            assertThat(query("SELECT value FROM other.totals WHERE counter_id = 'x'")).isEqualTo("7");
            assertThat(query("SELECT count(*) FROM other.tally_events")).isEqualTo("1");
        }
    }

    private static Answer add(String id, long by) {
        return post("/api/stores/counter/" + id + "/commands/Add", "{\"by\": " + by + "}");
    }

    private static Answer post(String path, String body) {
        return ServerHostContract.over(server, "POST", path, Map.of("Content-Type", "application/json"),
                body);
    }

    private static Answer get(String path) {
        return ServerHostContract.over(server, "GET", path, Map.of(), null);
    }

    private static void settle() {
        assertThat(server.awaitQuiet(Duration.ofSeconds(60))).isTrue();
    }

    private static DataSource db() {
        return ((PostgresServeEngine) server.engine()).database().dataSource();
    }

    private static void sql(String statements) throws SQLException {
        try (Connection c = db().getConnection(); Statement st = c.createStatement()) {
            st.execute(statements);
        }
    }

    private static String query(String select) throws SQLException {
        try (Connection c = db().getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(select)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
