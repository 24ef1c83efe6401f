package dev.tally.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.lang.model.SourceVersion;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "new", mixinStandardHelpOptions = true,
        description = {"Makes a Maven project for your own Tally app in DIR.",
            "",
            "The project: a shopping cart aggregate (two commands, AddItem and RemoveItem, decided in plain"
                + " Java; its events), one projection,"
                + " given/when/then tests, and the TallyApp that 'tally serve --app' hosts. It imports tally-bom"
                + " at this Tally's version, so it builds once Tally is in your local Maven repository"
                + " (mvn install -DskipTests in a Tally checkout).",
            "",
            "DIR must be new or empty; its name is the project's artifactId (and the app's name)."},
        footer = {"", "Example:",
            "  tally new shop --package com.acme.shop",
            "  cd shop && mvn package",
            "  tally serve --app target/shop-0.1.0-SNAPSHOT.jar"})
final class NewCommand implements Callable<Integer> {
    /** Maven's rule for an artifactId. */
    private static final Pattern ARTIFACT_ID = Pattern.compile("[A-Za-z0-9_.-]+");

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "the project's directory (new or empty), e.g. shop")
    Path dir;

    @Option(names = "--package", required = true, paramLabel = "PACKAGE",
            description = "the Java package of the app's classes, also the project's groupId, e.g. com.acme.shop")
    String packageName;

    @Override
    public Integer call() throws IOException {
        packageProblem(packageName).ifPresent(problem -> {
            throw new ParameterException(spec.commandLine(), "--package " + problem);
        });
        Path target = dir.toAbsolutePath().normalize();
        String artifactId = target.getFileName() == null ? "" : target.getFileName().toString();
        if (!ARTIFACT_ID.matcher(artifactId).matches()) {
            throw new ParameterException(spec.commandLine(), "DIR '" + dir + "': its name is the project's artifactId,"
                    + " so it must be letters, digits, '.', '_' or '-' (e.g. shop or order-service)");
        }
        refuseExisting(target);

        Map<String, String> values = new LinkedHashMap<>(ProjectTemplate.versions());
        values.put("package", packageName);
        values.put("packagePath", packageName.replace('.', '/'));
        values.put("artifactId", artifactId);
        values.put("appName", appName(artifactId));
        values.put("appClass", appClass(artifactId));
        List<String> written = ProjectTemplate.writeInto(target, values);

        String jar = "target/" + artifactId + "-0.1.0-SNAPSHOT.jar";
        String tallyVersion = values.get("tallyVersion");
        PrintWriter out = spec.commandLine().getOut();
        out.printf("created %s: app '%s', its class %s.%s (Tally %s)%n", dir, values.get("appName"), packageName,
                values.get("appClass"), tallyVersion);
        written.forEach(f -> out.println("  " + f));
        out.println();
        out.println("next:");
        out.println("  cd " + dir);
        out.println("  mvn package       builds the app and runs its tests (src/test/java/"
                + values.get("packagePath") + "/ShoppingCartTest.java)");
        out.println("  " + tallyCommand() + " serve --app " + jar);
        out.println("then try the HTTP routes listed in " + dir.resolve("README.md") + ".");
        out.println("on AWS: mvn -Plambda verify (the Lambda jar), then the README's 'Deploy to AWS'.");
        if (!tallyInstalled(tallyVersion)) {
            out.println();
            out.println("note: Tally " + tallyVersion + " is not in ~/.m2/repository yet, and the build needs it:"
                    + " run 'mvn install -DskipTests' once in " + checkout().map(Path::toString).orElse("your Tally checkout")
                    + ".");
        }
        out.flush();
        return 0;
    }

    /** Why {@code name} is not a package for a new app, or empty when it is one. */
    static Optional<String> packageProblem(String name) {
        String example = " (e.g. com.acme.shop)";
        if (name.isEmpty()) {
            return Optional.of("is empty: give the Java package of the app's classes" + example);
        }
        for (String part : name.split("\\.", -1)) {
            if (part.isEmpty()) {
                return Optional.of("'" + name + "' is not a Java package name: it has an empty part between dots"
                        + example);
            }
            if (SourceVersion.isKeyword(part, SourceVersion.RELEASE_17)) {
                return Optional.of("'" + name + "' is not a Java package name: '" + part + "' is a Java keyword"
                        + example);
            }
            if (!SourceVersion.isIdentifier(part)) {
                return Optional.of("'" + name + "' is not a Java package name: '" + part + "' is not a Java"
                        + " identifier; each part starts with a letter or '_' and goes on with letters, digits or '_'"
                        + example);
            }
        }
        if (name.equals("java") || name.startsWith("java.")) {
            return Optional.of("'" + name + "': packages under java. belong to the JDK and cannot be loaded from an"
                    + " app" + example);
        }
        return Optional.empty();
    }

    /** The name {@code tally serve} knows the app by: 1-32 of [a-z0-9-], starting with a letter or digit. */
    static String appName(String artifactId) {
        String name = artifactId.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]+", "-").replaceAll("^-+", "");
        name = name.substring(0, Math.min(32, name.length()));
        return name.isEmpty() ? "app" : name;
    }

    /**
     * The TallyApp's class name: the artifactId in UpperCamelCase, ending in App ("order-service" ->
     * OrderServiceApp, "library" -> LibraryApp); a project named just "app" gets MainApp.
     */
    static String appClass(String artifactId) {
        StringBuilder b = new StringBuilder();
        for (String part : artifactId.split("[^A-Za-z0-9]+")) {
            if (!part.isEmpty()) {
                b.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
            }
        }
        if (b.length() == 0 || !Character.isJavaIdentifierStart(b.charAt(0))) {
            b.insert(0, "Tally");
        }
        if (b.toString().equalsIgnoreCase("App")) {
            return "MainApp"; // "App" says nothing, and "AppApp" stutters
        }
        if (!b.toString().endsWith("App")) {
            b.append("App");
        }
        return b.toString();
    }

    private void refuseExisting(Path target) throws IOException {
        if (!Files.exists(target)) {
            return;
        }
        if (!Files.isDirectory(target)) {
            throw new ParameterException(spec.commandLine(), "DIR '" + dir + "' is a file: give a new directory"
                    + " (tally new creates it)");
        }
        try (Stream<Path> entries = Files.list(target)) {
            Optional<Path> first = entries.findFirst();
            if (first.isPresent()) {
                throw new ParameterException(spec.commandLine(), "DIR '" + dir + "' is not empty (it holds "
                        + first.get().getFileName() + "): tally new writes only into a new or empty directory, so it"
                        + " never overwrites your files; give another DIR");
            }
        }
    }

    private static boolean tallyInstalled(String version) {
        Path repo = Path.of(System.getProperty("user.home"), ".m2", "repository");
        return Files.isRegularFile(repo.resolve(Path.of("dev", "tally", "tally-bom", version,
                "tally-bom-" + version + ".pom")));
    }

    /** How to run tally again: the checkout's ./tally script when this jar was built in one. */
    private static String tallyCommand() {
        return checkout().map(c -> c.resolve("tally")).filter(Files::isExecutable).map(Path::toString)
                .orElse("tally");
    }

    /** The Tally checkout this jar was built in (it is .../tally-cli/target/tally.jar), if it was. */
    private static Optional<Path> checkout() {
        try {
            Path jar = Path.of(NewCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path target = jar.getParent();
            if (target != null && target.getFileName().toString().equals("target") && target.getParent() != null
                    && target.getParent().getFileName().toString().equals("tally-cli")) {
                return Optional.ofNullable(target.getParent().getParent());
            }
        } catch (RuntimeException | java.net.URISyntaxException e) {
            // no code source (an unusual class loader): fall back to the plain command name
        }
        return Optional.empty();
    }
}
