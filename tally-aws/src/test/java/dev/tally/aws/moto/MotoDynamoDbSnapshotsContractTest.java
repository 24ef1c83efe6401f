package dev.tally.aws.moto;

class MotoDynamoDbSnapshotsContractTest extends MotoDynamoDbContracts.Snapshots {
}
