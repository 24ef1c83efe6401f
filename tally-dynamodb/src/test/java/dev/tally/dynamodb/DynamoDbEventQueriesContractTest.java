package dev.tally.dynamodb;

/** The event query contract on DynamoDB Local, through the ledger table's indexes. */
class DynamoDbEventQueriesContractTest extends DynamoDbContractTests.Queries {
}
