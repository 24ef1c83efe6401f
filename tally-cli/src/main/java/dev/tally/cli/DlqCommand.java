package dev.tally.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "dlq", mixinStandardHelpOptions = true,
        description = "Lists or redrives dead letters (messages a projector or the dispatcher could not handle)"
                + " of a running server.",
        footer = {"", "Examples:", "  tally dlq list", "  tally dlq redrive 6f1c...   one letter",
            "  tally dlq redrive --all",
            "  tally dlq list --sqs-queue https://sqs.eu-west-1.amazonaws.com/123456789012/bank-dispatcher-dlq",
            "  tally dlq redrive --all --sqs-queue URL --ledger-table bank-ledger --event-bus bank --app bank.jar",
            "  tally dlq redrive --all --sqs-queue URL --source-queue URL   a projector queue's letters",
            "  tally dlq redrive --all --sqs-queue URL --event-bus bank-bus   the template's TargetDeadLetters:"
                + " projectors' and sagas' on-failure records"})
final class DlqCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ACTION", description = "list or redrive")
    String action;

    @Parameters(index = "1", paramLabel = "ID", arity = "0..1", description = "the dead letter to redrive")
    String id;

    @Option(names = "--all", description = "redrive every dead letter")
    boolean all;

    @Mixin
    ServerOption server;

    @Option(names = "--sqs-queue", paramLabel = "URL",
            description = "an SQS dead-letter queue on AWS instead of a running server")
    String sqsQueue;

    @Option(names = "--source-queue", paramLabel = "URL",
            description = "with --sqs-queue: where a queue's letters go back to on redrive")
    String sourceQueue;

    @Option(names = "--region", description = "with --sqs-queue: the AWS region (default: $AWS_REGION)")
    String region;

    @Option(names = "--endpoint-url", paramLabel = "URL", description = "with --sqs-queue: another AWS endpoint")
    java.net.URI endpoint;

    @Option(names = "--ledger-table", description = "with --sqs-queue: the ledger, to redrive a dispatcher's letters")
    String ledgerTable;

    @Option(names = "--event-bus", description = "with --sqs-queue: the bus a redriven dispatcher letter, or the event of"
            + " a projector's or saga's on-failure record, is published to")
    String eventBus;

    @Option(names = "--app", paramLabel = "JAR", description = "with --sqs-queue: the app whose stores the dispatcher knows")
    java.util.List<java.nio.file.Path> apps = new java.util.ArrayList<>();

    @Override
    public Integer call() {
        if (sqsQueue != null) {
            return callSqs();
        }
        ApiClient api = server.api();
        PrintWriter out = spec.commandLine().getOut();
        switch (action) {
            case "list" -> {
                JsonNode letters = api.get("/api/dead-letters").get("deadLetters");
                if (letters.isEmpty()) {
                    out.println("no dead letters");
                }
                for (JsonNode d : letters) {
                    JsonNode e = d.get("ref");
                    out.printf("%s  %-22s %s/%s@%d  %d attempt(s)  %s%n", d.get("id").asText(), d.get("target").asText(),
                            e.path("store").asText(), e.path("aggregateId").asText(), e.path("version").asLong(),
                            d.get("attempts").asInt(), d.get("error").asText());
                }
                return 0;
            }
            case "redrive" -> {
                if (all == (id != null)) {
                    throw new ParameterException(spec.commandLine(), "redrive needs either a dead letter ID or --all");
                }
                JsonNode r = all ? api.post("/api/dead-letters/redrive") : api.post("/api/dead-letters/" + id + "/redrive");
                out.println(all ? "redriven: " + r.get("redriven").asInt() + ", still failing: " + r.get("remaining").asInt()
                        : r.get("message").asText());
                return 0;
            }
            default -> throw new ParameterException(spec.commandLine(), "unknown action '" + action
                    + "': use 'list' or 'redrive'");
        }
    }

    private int callSqs() {
        SqsDlq dlq = new SqsDlq(new SqsDlq.Options(sqsQueue, sourceQueue, region, endpoint, ledgerTable, eventBus),
                () -> AppLoader.load(apps, spec.commandLine()));
        PrintWriter out = spec.commandLine().getOut();
        try {
            return switch (action) {
                case "list" -> dlq.list(out);
                case "redrive" -> {
                    if (all == (id != null)) {
                        throw new ParameterException(spec.commandLine(), "redrive needs either a dead letter ID or --all");
                    }
                    yield dlq.redrive(all ? null : id, out);
                }
                default -> throw new ParameterException(spec.commandLine(), "unknown action '" + action
                        + "': use 'list' or 'redrive'");
            };
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
