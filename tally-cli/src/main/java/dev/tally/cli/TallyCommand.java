package dev.tally.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "tally", mixinStandardHelpOptions = true, version = "tally 0.1.0",
        description = {
            "Event sourcing and CQRS on the serverless stack, in one JVM.",
            "",
            "Start here:  tally serve   (then open the URL it prints)"},
        subcommands = {ServeCommand.class, EventsCommand.class, AggregateCommand.class, DlqCommand.class,
            VerifyCommand.class, NewCommand.class, RebuildCommand.class, ReplayCommand.class,
            VerifySnapshotsCommand.class, ArchiveCommand.class, ForgetCommand.class, AwsCommand.class,
            TraceCommand.class},
        footer = {"", "Run 'tally <command> --help' for a command's options."})
final class TallyCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
