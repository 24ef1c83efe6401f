package dev.tally.examples.bank;

import dev.tally.core.command.Command;
import dev.tally.core.command.Decision;

/**
 * What can be asked of an account. Each command decides on the account's state: the compiler
 * makes every command say how (no command can be forgotten), and the records travel as data (HTTP,
 * logs, sagas).
 */
public sealed interface AccountCommand extends Command<Account> permits Credit, Debit, SetHolder {
    /** Rejection codes. */
    String INSUFFICIENT_FUNDS = "insufficient_funds";
    String INVALID_AMOUNT = "invalid_amount";

    Decision<AccountEvent> decide(Account account);
}
