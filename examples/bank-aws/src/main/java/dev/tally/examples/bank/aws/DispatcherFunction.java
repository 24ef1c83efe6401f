package dev.tally.examples.bank.aws;

import dev.tally.aws.StreamDispatcherHandler;
import dev.tally.aws.TallyEnvironment;

/**
 * The bank's dispatchAggregate function: ledger stream in, state-carrying messages out to
 * EventBridge. Handler: {@code dev.tally.examples.bank.aws.DispatcherFunction::handleRequest}.
 */
public final class DispatcherFunction extends StreamDispatcherHandler {
    public DispatcherFunction() {
        super(TallyEnvironment.fromSystem().dispatcher(BankFunctions.DEFINITIONS));
    }
}
