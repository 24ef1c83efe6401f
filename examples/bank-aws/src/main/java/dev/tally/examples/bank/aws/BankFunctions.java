package dev.tally.examples.bank.aws;

import dev.tally.aws.TallyEnvironment;
import dev.tally.core.AggregateDefinition;
import dev.tally.core.runtime.Dispatcher;
import dev.tally.examples.bank.BankAccount;
import java.util.List;

/** What every bank function shares: the aggregate definitions and the environment. */
final class BankFunctions {
    static final List<AggregateDefinition<?>> DEFINITIONS = List.of(BankAccount.DEFINITION);

    private BankFunctions() {
    }

    /** Resolves claim checks by reading the ledger (projectors need read access to it for that). */
    static Dispatcher claimResolver(TallyEnvironment env) {
        return new Dispatcher(env.stores(DEFINITIONS), messages -> {
            throw new IllegalStateException("a projector function does not publish");
        });
    }
}
