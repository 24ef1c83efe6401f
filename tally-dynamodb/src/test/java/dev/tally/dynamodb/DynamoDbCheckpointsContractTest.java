package dev.tally.dynamodb;

class DynamoDbCheckpointsContractTest extends DynamoDbContractTests.Checkpoints {
}
