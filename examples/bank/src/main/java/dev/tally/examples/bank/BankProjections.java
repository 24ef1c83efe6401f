package dev.tally.examples.bank;

import dev.tally.core.Aggregate;
import dev.tally.core.projection.ProjectionWriter;
import dev.tally.core.projection.Projection;
import dev.tally.core.projection.Projector;
import dev.tally.core.runtime.Pipeline;
import dev.tally.core.projection.Versioned;
import dev.tally.core.projection.ViewReader;
import java.util.List;
import java.util.Optional;

/**
 * The bank's three read models (seed 000): balance, last transaction, last month's balance. Each
 * is a {@link Projection} value (a view function of the account); bound to its own writer here.
 * None of them reads the old view; each writes what the carried aggregate says, with its version.
 */
public final class BankProjections {
    public static final String BALANCE = "balance";
    public static final String LAST_TRANSACTION = "last-transaction";
    public static final String LAST_MONTH_BALANCE = "last-month-balance";

    public static final Projection<Account, BalanceView> BALANCE_VIEW = Projection.of(BALANCE,
            BankAccount.DEFINITION, BalanceView.class, a -> new BalanceView(a.state().balance()));
    public static final Projection<Account, LastTransaction> LAST_TRANSACTION_VIEW = Projection.of(LAST_TRANSACTION,
            BankAccount.DEFINITION, LastTransaction.class, a -> a.state().lastTransaction());
    public static final Projection<Account, LastMonthBalanceView> LAST_MONTH_BALANCE_VIEW = Projection.of(
            LAST_MONTH_BALANCE, BankAccount.DEFINITION, LastMonthBalanceView.class,
            a -> new LastMonthBalanceView(a.state().lastMonthBalance(), a.state().month()));

    public static final String HOLDER = "holder";
    /** The holder, sealed as the state carries it (null: no view until a holder is set). */
    public static final Projection<Account, HolderView> HOLDER_VIEW = Projection.of(HOLDER, BankAccount.DEFINITION,
            HolderView.class, a -> a.state().holder() == null ? null
                    : new HolderView(a.state().holder().name(), a.state().holder().email()));

    private final ProjectionWriter<BalanceView> balances;
    private final ProjectionWriter<LastTransaction> lastTransactions;
    private final ProjectionWriter<LastMonthBalanceView> lastMonthBalances;
    private final Projector<Account, BalanceView> balanceProjector;
    private final Projector<Account, LastTransaction> lastTransactionProjector;
    private final Projector<Account, LastMonthBalanceView> lastMonthProjector;

    public BankProjections(ProjectionWriter<BalanceView> balances, ProjectionWriter<LastTransaction> lastTransactions,
                           ProjectionWriter<LastMonthBalanceView> lastMonthBalances) {
        this.balances = balances;
        this.lastTransactions = lastTransactions;
        this.lastMonthBalances = lastMonthBalances;
        this.balanceProjector = new Projector<>(BALANCE_VIEW, balances);
        this.lastTransactionProjector = new Projector<>(LAST_TRANSACTION_VIEW, lastTransactions);
        this.lastMonthProjector = new Projector<>(LAST_MONTH_BALANCE_VIEW, lastMonthBalances);
    }

    public List<Projector<Account, ?>> projectors() {
        return List.of(balanceProjector, lastTransactionProjector, lastMonthProjector);
    }

    /** Runs the three projections on a pipeline, into this object's writers. */
    public void projectOn(Pipeline pipeline) {
        pipeline.project(BALANCE_VIEW, balances);
        pipeline.project(LAST_TRANSACTION_VIEW, lastTransactions);
        pipeline.project(LAST_MONTH_BALANCE_VIEW, lastMonthBalances);
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
        return account(id, balances, lastTransactions, lastMonthBalances);
    }

    /** The account as three view readers see it (for hosts that own the views, like tally serve). */
    public static Optional<AccountView> account(String id, ViewReader<BalanceView> balances,
                                                ViewReader<LastTransaction> lastTransactions,
                                                ViewReader<LastMonthBalanceView> lastMonthBalances) {
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
