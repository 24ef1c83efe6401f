package dev.tally.core.ledger;


import dev.tally.core.spi.LedgerAdapter;
/**
 * The append's first event carries a command id ({@link dev.tally.core.EventMetadata#COMMAND_ID})
 * that is already stored in that stream: the command applied before, and nothing was written now.
 * {@code EventStore.execute} answers with the original outcome ({@link LedgerAdapter#commandEvents}).
 */
public final class DuplicateCommand extends AppendRefused {
    private final String store;
    private final String aggregateId;
    private final String commandId;

    public DuplicateCommand(String store, String aggregateId, String commandId) {
        super("command '" + commandId + "' already applied to " + store + "/" + aggregateId
                + "; nothing was written. Read its events with LedgerAdapter.commandEvents"
                + " (EventStore.execute returns them as the command's outcome)");
        this.store = store;
        this.aggregateId = aggregateId;
        this.commandId = commandId;
    }

    public String store() {
        return store;
    }

    public String aggregateId() {
        return aggregateId;
    }

    public String commandId() {
        return commandId;
    }
}
