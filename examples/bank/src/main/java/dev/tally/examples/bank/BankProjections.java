package dev.tally.examples.bank;

import dev.tally.core.Aggregate;
import dev.tally.core.projection.ProjectionWriter;
import dev.tally.core.projection.StateProjector;
import dev.tally.core.projection.Versioned;
import java.util.List;
import java.util.Optional;

/**
 * The bank's three read models (seed 000), each a projector of state-carrying messages into its
 * own projection writer: balance, last transaction, last month's balance. None of them reads the
 * old view; each writes what the carried aggregate says, with its version.
 */
public final class BankProjections {
    public static final String BALANCE = "balance";
    public static final String LAST_TRANSACTION = "last-transaction";
    public static final String LAST_MONTH_BALANCE = "last-month-balance";

    private final ProjectionWriter<BalanceView> balances;
    private final ProjectionWriter<LastTransaction> lastTransactions;
    private final ProjectionWriter<LastMonthBalanceView> lastMonthBalances;
    private final StateProjector<Account, BalanceView> balanceProjector;
    private final StateProjector<Account, LastTransaction> lastTransactionProjector;
    private final StateProjector<Account, LastMonthBalanceView> lastMonthProjector;

    public BankProjections(ProjectionWriter<BalanceView> balances, ProjectionWriter<LastTransaction> lastTransactions,
                           ProjectionWriter<LastMonthBalanceView> lastMonthBalances) {
        this.balances = balances;
        this.lastTransactions = lastTransactions;
        this.lastMonthBalances = lastMonthBalances;
        this.balanceProjector = StateProjector.builder(BALANCE, BankAccount.DEFINITION)
                .view(a -> new BalanceView(a.state().balance()))
                .writer(balances).build();
        this.lastTransactionProjector = StateProjector.builder(LAST_TRANSACTION, BankAccount.DEFINITION)
                .view(a -> a.state().lastTransaction())
                .writer(lastTransactions).build();
        this.lastMonthProjector = StateProjector.builder(LAST_MONTH_BALANCE, BankAccount.DEFINITION)
                .view(a -> new LastMonthBalanceView(a.state().lastMonthBalance(), a.state().month()))
                .writer(lastMonthBalances).build();
    }

    public List<StateProjector<Account, ?>> projectors() {
        return List.of(balanceProjector, lastTransactionProjector, lastMonthProjector);
    }

    public ProjectionWriter<BalanceView> balances() {
        return balances;
    }

    public ProjectionWriter<LastTransaction> lastTransactions() {
        return lastTransactions;
    }

    public ProjectionWriter<LastMonthBalanceView> lastMonthBalances() {
        return lastMonthBalances;
    }

    /** The query side: the account as the read models see it, empty when no projection knows it. */
    public Optional<AccountView> account(String id) {
        Optional<Versioned<BalanceView>> balance = balances.read(id);
        if (balance.isEmpty()) {
            return Optional.empty();
        }
        LastTransaction last = lastTransactions.read(id).map(Versioned::view).orElse(null);
        long lastMonth = lastMonthBalances.read(id).map(v -> v.view().lastMonthBalance()).orElse(0L);
        return Optional.of(new AccountView(id, balance.get().view().balance(), balance.get().version(), last,
                lastMonth));
    }

    /** What a fold of the ledger says the read models must converge to. */
    public static AccountView expected(Aggregate<Account> a) {
        return new AccountView(a.aggregateId(), a.state().balance(), a.version(), a.state().lastTransaction(),
                a.state().lastMonthBalance());
    }

    /** The account as the query API shows it. */
    public record AccountView(String aggregateId, long balance, long version, LastTransaction lastTransaction,
                              long lastMonthBalance) {
    }
}
