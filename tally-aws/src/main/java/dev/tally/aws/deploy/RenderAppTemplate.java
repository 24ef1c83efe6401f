package dev.tally.aws.deploy;

import dev.tally.core.app.TallyApp;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Prints the SAM template of the one {@link TallyApp} on the classpath (found as {@code tally serve
 * --app} finds it, through {@code META-INF/services/dev.tally.core.app.TallyApp}), rendered by
 * {@link AppTemplate}. Run it on an app's Lambda jar, without the Tally CLI:
 *
 * <pre>
 * java -cp target/shop-lambda.jar dev.tally.aws.deploy.RenderAppTemplate target/shop-lambda.jar > template.json
 * </pre>
 *
 * The argument is the template's {@code CodeUri} (the Lambda jar, relative to the template's folder).
 * {@code tally aws template --app JAR} renders the same template and also runs the checks.
 */
public final class RenderAppTemplate {
    private RenderAppTemplate() {
    }

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: RenderAppTemplate <the Lambda jar, relative to the template's folder>"
                    + " (e.g. target/shop-lambda.jar)");
            System.exit(2);
        }
        List<TallyApp> apps = new ArrayList<>();
        ServiceLoader.load(TallyApp.class).forEach(apps::add);
        if (apps.size() != 1) {
            System.err.println(apps.isEmpty()
                    ? "no app on the classpath: list your app class in"
                            + " src/main/resources/META-INF/services/dev.tally.core.app.TallyApp and build again"
                    : "more than one app on the classpath (" + apps.stream().map(TallyApp::name).toList()
                            + "): a template deploys one app; build one Lambda jar per app");
            System.exit(1);
        }
        System.out.print(new AppTemplate(apps.get(0), args[0]).json());
    }
}
