package dev.tally.aws.moto;

class MotoDynamoDbLedgerContractTest extends MotoDynamoDbContracts.Ledger {
}
