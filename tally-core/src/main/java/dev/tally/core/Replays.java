package dev.tally.core;

import dev.tally.core.command.CommandResult;
import dev.tally.core.command.Decision;

/**
 * Replay requests on one store: the {@link ReplayRequested} event appended through the command
 * loop, so the aggregate's state stays as it is, its version moves on, and every projector
 * receives the current state again.
 */
final class Replays<S> {
    private final String store;
    private final CommandLoop<S> commands;

    Replays(String store, CommandLoop<S> commands) {
        this.store = store;
        this.commands = commands;
    }

    /** The actor is {@code tally-replay} unless the metadata names one. */
    RecordedEvent request(String aggregateId, String reason, EventMetadata metadata) {
        EventMetadata m = metadata.actor() == null ? metadata.withActor("tally-replay") : metadata;
        CommandResult<S> result = commands.run(aggregateId, aggregate -> aggregate.exists()
                ? Decision.emit(new ReplayRequested(reason == null ? "" : reason))
                : Decision.reject("not_found", "no events"), m);
        if (result instanceof CommandResult.Accepted<S> accepted) {
            return accepted.events().get(0);
        }
        throw new InvalidEventException("cannot replay " + store + "/" + aggregateId + ": it has no events;"
                + " check the store name and the aggregate id");
    }
}
