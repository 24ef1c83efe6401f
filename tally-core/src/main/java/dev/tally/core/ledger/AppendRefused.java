package dev.tally.core.ledger;

import dev.tally.core.TallyException;

/**
 * The ledger refused an append and wrote nothing. The closed set of reasons lets callers switch on
 * them: only {@link VersionConflict} is worth retrying (reload, re-decide, re-append).
 */
public abstract sealed class AppendRefused extends TallyException
        permits VersionConflict, VersionGap, EventTooLarge, GroupTooLarge, DuplicateCommand {
    protected AppendRefused(String message) {
        super(message);
    }
}
