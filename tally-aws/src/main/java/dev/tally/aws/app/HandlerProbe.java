package dev.tally.aws.app;

/**
 * Builds Lambda handlers the way the Java runtime does (the public no-argument constructor, the
 * process's environment) and exits: 0 when every one was built, 1 with the error otherwise. Run it
 * on a Lambda jar with a function's environment to find out, before deploying, whether the jar holds
 * every class that function's initialisation needs (a slimmed jar that lost one fails here):
 *
 * <pre>
 * TALLY_LEDGER_TABLE=... java -cp tally-bank-lambda.jar dev.tally.aws.app.HandlerProbe \
 *     dev.tally.aws.app.CommandFunction
 * </pre>
 *
 * Handlers build their clients without calling AWS, so no network or credentials are needed. With
 * {@code TALLY_PRIMING=on} the handlers prime as for a SnapStart snapshot ({@link Priming}), and the
 * probe checks that priming marshalled its requests without sending any.
 */
public final class HandlerProbe {
    private HandlerProbe() {
    }

    public static void main(String[] handlers) {
        if (handlers.length == 0) {
            System.err.println("usage: HandlerProbe <handler class> [<handler class>...]"
                    + " (e.g. dev.tally.aws.app.CommandFunction; a template's Handler without its ::method)");
            System.exit(2);
        }
        for (String handler : handlers) {
            String name = handler.contains("::") ? handler.substring(0, handler.indexOf("::")) : handler;
            try {
                Class.forName(name).getConstructor().newInstance();
                System.out.println("built " + name);
            } catch (Throwable e) {
                System.err.println("cannot build " + name + ":");
                e.printStackTrace();
                System.exit(1);
            }
        }
        if ("on".equalsIgnoreCase(System.getenv("TALLY_PRIMING"))) {
            // the handlers primed in their constructors (and log, never fail, when priming fails): check it here
            int stopped = Priming.sdk(software.amazon.awssdk.regions.Region.of(System.getenv()
                    .getOrDefault("AWS_REGION", "us-east-1")));
            if (stopped != 3) {
                System.err.println("priming marshalled " + stopped + " of 3 requests");
                System.exit(1);
            }
            System.out.println("primed: 3 requests marshalled and signed, none sent");
        }
        System.exit(0);
    }
}
