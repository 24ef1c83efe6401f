package dev.tally.dynamodb;

class DynamoDbLedgerContractTest extends DynamoDbContractTests.Ledger {
}
