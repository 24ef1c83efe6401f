package dev.tally.cli;

import static dev.tally.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * {@code tally serve --engine postgres --jdbc-url URL} on a PostgreSQL it did not start (an
 * embedded one the test starts plays the existing server), the user from {@code PGUSER}: it hosts
 * the bank, counter and orders, is killed with kill -9 under load, comes back with every
 * acknowledged credit in the ledger and every view converged (the bank's balances in its SQL table
 * {@code bank_balances} too) with no manual action, and stops cleanly, leaving no connection behind.
 */
class ServeOnExistingPostgresIT {

    @Test
    void hostsTheExamplesSurvivesKill9AndStopsCleanly() throws Exception {
        String orders = System.getProperty("tally.ordersApp");
        Path data = Path.of("target", "it-data-" + UUID.randomUUID());
        // the binaries are on this test's class path twice (the dependency, and tally.jar that shades it)
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().setPgBinaryResolver((system, machine) -> {
            String name = "postgres-" + system.toLowerCase(Locale.ROOT) + "-" + machine + ".txz";
            return Objects.requireNonNull(getClass().getClassLoader().getResource(name), name).openStream();
        }).start()) {
            DataSource db = pg.getPostgresDatabase();
            String url = "jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/postgres"; // no user: PGUSER says it
            Map<String, String> env = Map.of("PGUSER", "postgres");
            List<String> args = new ArrayList<>(List.of("--engine", "postgres", "--jdbc-url", url, "--data",
                    data.toString(), "--port", "0"));
            args.addAll(TallyProcess.exampleApps());
            args.addAll(List.of("--app", orders));
            String[] serve = args.toArray(new String[0]);

            List<String> accounts = List.of("a0", "a1", "a2", "a3", "a4", "a5");
            List<AckedCommands.Ack> acks;
            try (TallyProcess first = TallyProcess.serveWith(env, serve)) {
                assertThat(first.output()).anyMatch(l -> l.contains("PostgreSQL at jdbc:postgresql://127.0.0.1:"
                        + pg.getPort()));
                Http http = new Http(first.url());
                assertThat(http.post("/api/inventory/apple/restock", "{\"quantity\": 10}").status()).isEqualTo(200);
                assertThat(http.post("/api/accounts/olga/credit", "{\"amount\": 1000}").status()).isEqualTo(200);
                assertThat(http.post("/api/orders/o-1", "{\"accountId\": \"olga\", \"lines\": [{\"sku\": \"apple\","
                        + " \"quantity\": 2, \"unitPrice\": 100}]}").status()).isEqualTo(202);
                assertThat(http.post("/api/counters/c1/increment", "{}").status()).isEqualTo(200);

                AckedCommands clients = new AckedCommands().start(first.url(), 4, accounts,
                        id -> "/api/accounts/" + id + "/credit", (id, n) -> "{\"amount\": " + n + "}");
                eventually(Duration.ofSeconds(60), () -> assertThat(clients.count()).isGreaterThan(100));
                assertThat(first.kill()).isEqualTo(137);
                acks = clients.stop();
            }

            try (TallyProcess second = TallyProcess.serveWith(env, serve)) {
                Http http = new Http(second.url());
                assertThat(AckedCommands.missing(http, "bank-account", acks)).as("acknowledged credits").isEmpty();
                eventually(Duration.ofSeconds(90), () -> {
                    try {
                        JsonNode report = http.post("/api/verify", "").json();
                        assertThat(report.get("converged").asBoolean()).as(report.toString()).isTrue();
                        for (String id : accounts) {
                            assertThat(balanceRow(db, id)).as(id).isEqualTo(ledgerBalance(http, id));
                        }
                        JsonNode order = http.get("/api/orders/o-1").json();
                        assertThat(order.get("status").asText()).as(order.toString()).isEqualTo("CONFIRMED");
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                });
                assertThat(http.get("/api/views/count/c1").status()).isEqualTo(200);
                second.stop();
            }
            assertThat(query(db, "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
                    + " AND pid <> pg_backend_pid()")).as("connections left by the stopped server").isEqualTo(0);
        }
    }

    /** The balance the ledger says: the sum of its credits and debits. */
    private static long ledgerBalance(Http http, String id) throws Exception {
        long sum = 0;
        for (Map.Entry<Long, JsonNode> e : new HashMap<>(AckedCommands.events(http, "bank-account", id)).entrySet()) {
            sum += e.getValue().path("amount").asLong();
        }
        return sum;
    }

    private static long balanceRow(DataSource db, String id) throws SQLException {
        return query(db, "SELECT balance FROM bank_balances WHERE account_id = '" + id + "'");
    }

    private static long query(DataSource db, String select) throws SQLException {
        try (Connection c = db.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(select)) {
            return rs.next() ? rs.getLong(1) : -1;
        }
    }
}
