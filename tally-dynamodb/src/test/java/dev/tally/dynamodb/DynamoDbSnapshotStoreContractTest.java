package dev.tally.dynamodb;

class DynamoDbSnapshotStoreContractTest extends DynamoDbContractTests.Snapshots {
}
