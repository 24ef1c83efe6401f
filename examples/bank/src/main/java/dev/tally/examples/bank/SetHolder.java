package dev.tally.examples.bank;

import dev.tally.core.command.Decision;

/** Sets who holds the account: a name and an email address. */
public record SetHolder(String name, String email) implements AccountCommand {
    public static final String INVALID_HOLDER = "invalid_holder";

    @Override
    public Decision<AccountEvent> decide(Account account) {
        String problem = problem(name, email);
        return problem != null ? Decision.reject(INVALID_HOLDER, problem) : Decision.emit(new HolderChanged(name, email));
    }

    /** What is wrong with a holder, or null. Never echoes the values: they are personal data. */
    static String problem(String name, String email) {
        if (name == null || name.isBlank() || name.length() > 200) {
            return "'name' must be a non-blank string of at most 200 characters";
        }
        if (email == null || email.length() > 320 || !email.matches("[^@\\s]+@[^@\\s]+")) {
            return "'email' must be an email address such as someone@example.org (at most 320 characters)";
        }
        return null;
    }
}
