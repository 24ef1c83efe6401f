package dev.tally.examples.bank;

import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;

/**
 * The bank account aggregate's state, shaped after its projections (seed 000): the balance, the
 * last transaction, and the balance at the end of the month before the latest event's month.
 * Money is integer minor units; there is no floating point anywhere.
 *
 * @param balance          current balance, never negative
 * @param lastTransaction  the latest credit or debit, null before the first one
 * @param lastMonthBalance balance at the end of the month preceding {@code month}
 * @param month            the UTC month ("2026-11") of the latest event, null before the first one
 * @param holder           who holds the account, null until one is set; its name and email are sealed
 *                         personal data (see {@link HolderChanged}), revealed only by the query API
 */
public record Account(long balance, LastTransaction lastTransaction, long lastMonthBalance, String month,
                      Holder holder) {
    public static final Account EMPTY = new Account(0, null, 0, null, null);

    public Account(long balance, LastTransaction lastTransaction, long lastMonthBalance, String month) {
        this(balance, lastTransaction, lastMonthBalance, month, null);
    }

    Account withHolder(Holder h) {
        return new Account(balance, lastTransaction, lastMonthBalance, month, h);
    }

    Account credit(long amount, long version, Instant at) {
        Account rolled = rollMonth(at);
        return new Account(Math.addExact(rolled.balance, amount), new LastTransaction("credit", amount, version, at),
                rolled.lastMonthBalance, rolled.month, holder);
    }

    Account debit(long amount, long version, Instant at) {
        Account rolled = rollMonth(at);
        return new Account(rolled.balance - amount, new LastTransaction("debit", amount, version, at),
                rolled.lastMonthBalance, rolled.month, holder);
    }

    /** When an event opens a new month, the balance so far becomes last month's balance. */
    private Account rollMonth(Instant at) {
        YearMonth eventMonth = YearMonth.from(at.atZone(ZoneOffset.UTC));
        if (month == null || eventMonth.isAfter(YearMonth.parse(month))) {
            return new Account(balance, lastTransaction, balance, eventMonth.toString(), holder);
        }
        return this;
    }
}
