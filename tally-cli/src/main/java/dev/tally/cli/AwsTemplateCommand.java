package dev.tally.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.aws.deploy.AppTemplate;
import dev.tally.aws.deploy.CfnLint;
import dev.tally.aws.deploy.TemplateChecks;
import dev.tally.core.app.TallyApp;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.jar.JarFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "template", mixinStandardHelpOptions = true,
        description = {"Renders the AWS SAM template of the app in JAR (its ledger, bus, HTTP API, functions, roles,"
                + " dead-letter queues and alarms), then checks it: every function's role allows only the calls its"
                + " code makes (no wildcard action or resource), every function and queue has its alarm, and, when"
                + " cfn-lint is installed, cfn-lint. Exits 1 and lists the findings when a check fails.",
            "",
            "JAR is the app's Lambda jar ('mvn -Plambda package' in a project made by 'tally new' builds"
                + " target/<name>-lambda.jar): the template's CodeUri, unless --code-uri says otherwise."},
        footer = {"", "Examples:",
            "  tally aws template --app target/shop-lambda.jar --out template.json",
            "  tally aws template --app target/shop-lambda.jar --out template.json --replicate-to eu-west-1",
            "  sam deploy --template-file template.json --stack-name shop --capabilities CAPABILITY_IAM --resolve-s3"})
final class AwsTemplateCommand implements Callable<Integer> {
    /** A class only a Lambda jar holds: tally-aws's command function. */
    static final String FUNCTION_CLASS = "dev/tally/aws/app/CommandFunction.class";

    @Spec
    CommandSpec spec;

    @Option(names = "--app", required = true, paramLabel = "JAR", description = "the app's Lambda jar")
    Path jar;

    @Option(names = "--out", paramLabel = "FILE", description = "where to write the template (default: standard output)")
    Path out;

    @Option(names = "--replicate-to", paramLabel = "REGION",
            description = "also forward every event of the app's bus to the bus of the same name in REGION (disaster"
                    + " recovery; see docs/deployment.md), e.g. eu-west-1")
    String replicaRegion;

    @Option(names = "--code-uri", paramLabel = "PATH",
            description = "the Lambda jar as the template names it, relative to the template's folder (default: JAR,"
                    + " relative to the folder of --out)")
    String codeUri;

    @Option(names = "--no-cfn-lint", description = "do not run cfn-lint even when it is installed (Tally's own"
            + " checks still run)")
    boolean noCfnLint;

    @Override
    public Integer call() throws IOException, InterruptedException {
        List<TallyApp> apps = AppLoader.load(List.of(jar), spec.commandLine());
        if (apps.size() != 1) {
            throw new ParameterException(spec.commandLine(), "--app " + jar + " holds " + apps.size() + " apps ("
                    + apps.stream().map(TallyApp::name).toList() + "): a template deploys one; build one jar per app");
        }
        List<String> findings = new ArrayList<>();
        if (codeUri == null && !holdsFunctions(jar)) {
            findings.add(jar + " does not hold Tally's Lambda functions (dev.tally.aws.app.*): give the app's Lambda jar"
                    + " ('mvn -Plambda package' builds target/<name>-lambda.jar), or name it with --code-uri");
        }
        AppTemplate generator;
        try {
            generator = new AppTemplate(apps.get(0), codeUri != null ? codeUri : defaultCodeUri());
            if (replicaRegion != null) {
                generator = generator.withReplicationTo(replicaRegion);
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        ObjectNode template = generator.render();
        String json = generator.json();

        Path file = out;
        if (file == null) {
            file = Files.createTempFile("tally-template", ".json");
            file.toFile().deleteOnExit();
        }
        Files.writeString(file, json, StandardCharsets.UTF_8);
        if (out == null) {
            spec.commandLine().getOut().print(json);
            spec.commandLine().getOut().flush();
        }
        writeCompanions(generator, apps.get(0));

        TemplateChecks.leastPrivilege(template).forEach(f -> findings.add("least privilege: " + f));
        TemplateChecks.observability(template).forEach(f -> findings.add("alarms: " + f));
        PrintWriter err = spec.commandLine().getErr();
        Optional<CfnLint.Result> lint = noCfnLint ? Optional.empty() : CfnLint.lint(file);
        if (noCfnLint) {
            err.println("note: cfn-lint skipped (--no-cfn-lint).");
        } else if (lint.isEmpty()) {
            err.println("note: cfn-lint was not found, so only Tally's own checks ran; " + CfnLint.INSTALL + ".");
        } else if (!lint.get().clean()) {
            lint.get().output().lines().filter(l -> !l.isBlank()).forEach(l -> findings.add("cfn-lint: " + l));
        }
        if (!findings.isEmpty()) {
            err.println("the template of '" + apps.get(0).name() + "' has " + findings.size() + " finding(s):");
            findings.forEach(f -> err.println("  " + f));
            err.flush();
            return 1;
        }
        err.println("checked: least privilege, alarms" + (lint.isPresent() ? ", cfn-lint" : "") + (out != null
                ? "; template written to " + out : ""));
        err.flush();
        return 0;
    }

    /**
     * Files written beside the template: the app's OpenAPI document of the API the template deploys
     * ({@code openapi.json} in the folder of {@code --out}; none without {@code --out}).
     */
    private void writeCompanions(AppTemplate generator, TallyApp app) throws IOException {
        if (out != null) {
            Path written = dev.tally.server.openapi.OpenApiDocument.writeBesideTemplate(out, app);
            spec.commandLine().getErr().println("OpenAPI document of the API written to " + written);
        }
    }

    /** JAR relative to the template's folder (SAM resolves CodeUri from there); as given without --out. */
    private String defaultCodeUri() {
        if (out == null) {
            return jar.toString();
        }
        Path folder = out.toAbsolutePath().normalize().getParent();
        return folder.relativize(jar.toAbsolutePath().normalize()).toString();
    }

    static boolean holdsFunctions(Path jar) throws IOException {
        try (JarFile j = new JarFile(jar.toFile())) {
            return j.getJarEntry(FUNCTION_CLASS) != null;
        }
    }
}
