package dev.tally.core.runtime;


/** What a routing bus did for one target since it started. */
public record TargetStats(String target, long delivered, long failedAttempts, long deadLettered, long redriven) {
}
