package dev.tally.core;

import dev.tally.core.command.CommandResult;
import dev.tally.core.command.Decision;
import dev.tally.core.internal.Names;
import dev.tally.core.spi.LedgerAdapter;
import dev.tally.core.privacy.PersonalData;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Crypto-shredding one aggregate: the data keys of every subject its stream holds sealed values of
 * are destroyed first, then the audit event {@link PersonalDataForgotten} is appended through the
 * command loop (so a crash in between has already forgotten).
 */
final class Forgetting<S> {
    private static final Logger LOG = LoggerFactory.getLogger(Forgetting.class);

    private final String store;
    private final LedgerAdapter ledger;
    private final PersonalData personalData;
    private final CommandLoop<S> commands;

    Forgetting(String store, LedgerAdapter ledger, PersonalData personalData, CommandLoop<S> commands) {
        this.store = store;
        this.ledger = ledger;
        this.personalData = personalData;
        this.commands = commands;
    }

    RecordedEvent forget(String aggregateId) {
        if (personalData == null) {
            throw new IllegalStateException("event store '" + store + "' has no keys (build it with"
                    + " .personalData(...)), so it holds no sealed personal data to forget");
        }
        Names.requireAggregateId(aggregateId);
        List<RecordedEvent> stream = ledger.read(store, aggregateId, ReadOptions.ALL);
        if (stream.isEmpty()) {
            throw new InvalidEventException("cannot forget " + store + "/" + aggregateId + ": it has no events;"
                    + " check the store name and the aggregate id");
        }
        Set<String> subjects = new TreeSet<>();
        for (RecordedEvent e : stream) {
            subjects.addAll(PersonalData.subjectsIn(e.payload()));
        }
        // the keys go first: a crash after this point has already forgotten; the audit event follows
        subjects.forEach(personalData.keys()::forget);
        CommandResult<S> result = commands.run(aggregateId, aggregate -> Decision.emit(
                new PersonalDataForgotten(List.copyOf(subjects))), EventMetadata.empty().withActor("tally-forget"));
        LOG.info("forgot the personal data of {}/{} ({} subject(s))", store, aggregateId, subjects.size());
        return ((CommandResult.Accepted<S>) result).events().get(0);
    }
}
