package dev.tally.cli;

import picocli.CommandLine;

/** {@code java -jar tally.jar <command>}: see {@code --help}. */
public final class Main {
    /** Held strongly: java.util.logging forgets the level of a logger nobody references. */
    private static final java.util.logging.Logger DYNAMODB_LOCAL_LOG = java.util.logging.Logger.getLogger("com.amazonaws");
    private static final java.util.logging.Logger SQLITE_LOG = java.util.logging.Logger.getLogger("com.almworks");

    private Main() {
    }

    public static void main(String[] args) {
        // DynamoDB Local logs through java.util.logging (a JAXB notice at start): keep serve's output clean
        DYNAMODB_LOCAL_LOG.setLevel(java.util.logging.Level.SEVERE);
        SQLITE_LOG.setLevel(java.util.logging.Level.SEVERE);
        int code = commandLine().execute(args);
        if (code != ServeCommand.KEEP_RUNNING) {
            // DynamoDB Local leaves non-daemon threads behind: end the JVM explicitly
            System.exit(code);
        }
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new TallyCommand());
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("tally: " + e.getMessage());
            return 1;
        });
        return cl;
    }
}
