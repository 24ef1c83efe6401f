package dev.tally.examples.bank;

import dev.tally.core.AggregateDefinition;
import dev.tally.core.Decider;
import dev.tally.core.privacy.PersonalFields;

/**
 * The bank account of seed 000: credit and debit commands, and no overdraft ever. Two debits that
 * race on the same balance cannot both win: each is decided on a version, and the ledger accepts
 * only one event per version; the loser re-decides on the new balance.
 *
 * <pre>{@code
 * EventStore<Account> accounts = EventStore.builder(BankAccount.DEFINITION, ledger).build();
 * accounts.execute("alice", new Credit(100));
 * accounts.execute("alice", new Debit(130));   // Rejected: insufficient_funds, nothing written
 * }</pre>
 */
public final class BankAccount {
    public static final String STORE = "bank-account";

    /** Commands decide themselves, events evolve the account themselves: the decider joins them. */
    public static final Decider<AccountCommand, AccountEvent, Account> DECIDER = Decider.of(Account.EMPTY,
            AccountCommand::decide, (account, e) -> e.payload().applyTo(account, e.version(), e.timestamp()));

    /**
     * The holder's name and email are personal data: sealed on append with the account's data key,
     * so a forget ({@code EventStore.forget}) leaves them unreadable everywhere. Reducer version 2:
     * the account gained its holder.
     */
    public static final AggregateDefinition<Account> DEFINITION = AggregateDefinition.builder(STORE, Account.class,
                    AccountCommand.class, AccountEvent.class, DECIDER)
            .personalData(HolderChanged.class, PersonalFields.of("name", "email"))
            .reducerVersion(2)
            .build();

    private BankAccount() {
    }
}
