package dev.tally.aws.moto;

class MotoDynamoDbProjectionsContractTest extends MotoDynamoDbContracts.Projections {
}
