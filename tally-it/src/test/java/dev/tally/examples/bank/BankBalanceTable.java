package dev.tally.examples.bank;

import dev.tally.postgres.SqlColumn;
import dev.tally.postgres.SqlTableProjectionWriter;
import javax.sql.DataSource;

/**
 * The bank's balance view as a SQL table a user can query:
 * {@code bank_balances(account_id text primary key, version bigint not null, balance bigint)}.
 */
final class BankBalanceTable {
    private BankBalanceTable() {
    }

    static SqlTableProjectionWriter<BalanceView> writer(DataSource dataSource, String table) {
        return SqlTableProjectionWriter.<BalanceView>into(table)
                .key("account_id")
                .version("version")
                .column(SqlColumn.bigint("balance", BalanceView::balance))
                .reader(row -> new BalanceView(row.getLong("balance")))
                .build(dataSource);
    }
}
