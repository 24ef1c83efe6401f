package dev.tally.dynamodb;

class DynamoDbDeadLetterStoreContractTest extends DynamoDbContractTests.DeadLetters {
}
