package dev.tally.cli;

/**
 * {@link ServeCrashIT}'s rounds and checks on {@code tally serve --engine postgres --data DIR}: kills
 * under load (SIGKILL and SIGTERM), every acknowledged command in the ledger exactly once, every view
 * equal to the fold of its ledger after the last restart with no manual action. A class of its own
 * so that it runs in another test JVM beside the DynamoDB Local half.
 */
class ServeCrashOnPostgresIT extends ServeCrashIT {
    @Override
    SharedServe.Engine engine() {
        return SharedServe.Engine.POSTGRES;
    }
}
