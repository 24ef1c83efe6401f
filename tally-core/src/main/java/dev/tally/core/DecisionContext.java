package dev.tally.core;

import dev.tally.core.internal.Names;
import java.time.Instant;
import java.util.Objects;

/**
 * What a decision may know besides the command and the state: which aggregate it decides for, the
 * version it decides on, and the current time from the event store's clock (the same clock that
 * stamps the events). A decider that reads {@code now} stays replayable: the store passes its clock's
 * time at each attempt, and the test kits pass a fixed instant, so a decision replayed in a test is
 * deterministic.
 *
 * <pre>{@code
 * public Decision<LoanEvent> decide(LoanCommand command, Loan loan, DecisionContext context) {
 *     if (command instanceof Lend lend && !lend.due().isAfter(context.now())) {
 *         return Decision.reject("due_in_the_past", "the due date " + lend.due() + " of loan "
 *                 + context.aggregateId() + " is not after now (" + context.now() + ")");
 *     }
 *     ...
 * }
 * }</pre>
 *
 * @param aggregateId the aggregate the command is for
 * @param version     the version the decision is taken on (0: the aggregate has no events yet)
 * @param now         the store's clock at this attempt
 */
public record DecisionContext(String aggregateId, long version, Instant now) {
    public DecisionContext {
        Names.requireAggregateId(aggregateId);
        if (version < 0) {
            throw new IllegalArgumentException("version must be >= 0, got " + version);
        }
        Objects.requireNonNull(now, "now");
    }
}
