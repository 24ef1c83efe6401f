package dev.tally.examples.bank;

/** The last-month-balance projection's view. */
public record LastMonthBalanceView(long lastMonthBalance, String month) {
}
