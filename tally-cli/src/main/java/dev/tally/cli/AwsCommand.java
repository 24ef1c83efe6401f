package dev.tally.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code tally aws ...}: what an app needs to run on AWS. */
@Command(name = "aws", mixinStandardHelpOptions = true,
        description = {"Deploying an app to AWS: 'tally aws template --app JAR' renders its SAM template and checks it."},
        subcommands = {AwsTemplateCommand.class})
final class AwsCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
