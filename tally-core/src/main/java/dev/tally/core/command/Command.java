package dev.tally.core.command;

import dev.tally.core.Aggregate;

/**
 * A command, as a decision over the current aggregate. It may be called several times (once per
 * attempt when writers race), so it must not have side effects: only look at the aggregate and
 * the command's own input.
 */
@FunctionalInterface
public interface Command<S> {
    Decision decide(Aggregate<S> aggregate);
}
