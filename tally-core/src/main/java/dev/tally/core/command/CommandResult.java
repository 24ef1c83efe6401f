package dev.tally.core.command;

import dev.tally.core.Aggregate;
import dev.tally.core.RecordedEvent;
import java.util.List;

/** The outcome of a command: accepted (events written) or rejected by a business rule. */
public sealed interface CommandResult<S> permits CommandResult.Accepted, CommandResult.Rejected {

    /** The aggregate after the command (unchanged when rejected). */
    Aggregate<S> aggregate();

    /** How many load-decide-append rounds it took (1 when no other writer interfered). */
    int attempts();

    default boolean isAccepted() {
        return this instanceof Accepted;
    }

    record Accepted<S>(Aggregate<S> aggregate, List<RecordedEvent> events, int attempts) implements CommandResult<S> {
        public Accepted {
            events = List.copyOf(events);
        }
    }

    record Rejected<S>(Rejection rejection, Aggregate<S> aggregate, int attempts) implements CommandResult<S> {
    }
}
