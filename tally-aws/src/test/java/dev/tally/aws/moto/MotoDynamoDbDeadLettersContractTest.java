package dev.tally.aws.moto;

class MotoDynamoDbDeadLettersContractTest extends MotoDynamoDbContracts.DeadLetters {
}
