package dev.tally.examples.bank.aws;

import dev.tally.aws.EventBridgeTargetHandler;
import dev.tally.aws.TallyEnvironment;
import dev.tally.core.message.MessageHandler;
import dev.tally.core.projection.Projector;
import dev.tally.dynamodb.DynamoDbProjectionWriter;
import dev.tally.examples.bank.BalanceView;
import dev.tally.examples.bank.BankProjections;
import dev.tally.examples.bank.LastMonthBalanceView;
import dev.tally.examples.bank.LastTransaction;

/**
 * One of the bank's projectors as the target of an EventBridge rule, chosen by
 * {@code TALLY_PROJECTION} (balance, last-transaction, last-month-balance) and writing the DynamoDB
 * table {@code TALLY_VIEW_TABLE}. Handler:
 * {@code dev.tally.examples.bank.aws.ProjectorFunction::handleRequest}.
 */
public final class ProjectorFunction extends EventBridgeTargetHandler {
    public ProjectorFunction() {
        this(TallyEnvironment.fromSystem());
    }

    private ProjectorFunction(TallyEnvironment env) {
        super(projector(env), BankFunctions.claimResolver(env));
    }

    static MessageHandler projector(TallyEnvironment env) {
        String projection = env.require("TALLY_PROJECTION", "which projection this function writes ("
                + BankProjections.BALANCE + ", " + BankProjections.LAST_TRANSACTION + " or "
                + BankProjections.LAST_MONTH_BALANCE + ")");
        String table = env.require("TALLY_VIEW_TABLE", "the DynamoDB table of that projection");
        var client = env.dynamoDb();
        return switch (projection) {
            case BankProjections.BALANCE -> new Projector<>(BankProjections.BALANCE_VIEW,
                    new DynamoDbProjectionWriter<>(client, table, BalanceView.class));
            case BankProjections.LAST_TRANSACTION -> new Projector<>(BankProjections.LAST_TRANSACTION_VIEW,
                    new DynamoDbProjectionWriter<>(client, table, LastTransaction.class));
            case BankProjections.LAST_MONTH_BALANCE -> new Projector<>(BankProjections.LAST_MONTH_BALANCE_VIEW,
                    new DynamoDbProjectionWriter<>(client, table, LastMonthBalanceView.class));
            default -> throw new IllegalStateException("TALLY_PROJECTION is '" + projection + "': expected "
                    + BankProjections.BALANCE + ", " + BankProjections.LAST_TRANSACTION + " or "
                    + BankProjections.LAST_MONTH_BALANCE);
        };
    }
}
