package dev.tally.dynamodb;

class DynamoDbProjectionWriterContractTest extends DynamoDbContractTests.Projections {
}
