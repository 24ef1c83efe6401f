package dev.tally.aws.moto;

class MotoDynamoDbCheckpointsContractTest extends MotoDynamoDbContracts.Checkpoints {
}
