package dev.tally.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.AggregateDefinition;
import dev.tally.core.app.TallyApp;
import dev.tally.core.projection.Projection;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tally new} as a user runs it, then the new project's own Maven build: its given/when/then
 * tests run and pass, its jar holds the app and the service file {@code tally serve --app} looks
 * for, and its tests fail once its decider is broken.
 *
 * <p>The new project depends on Tally by version, from the local Maven repository: the test
 * command ({@code ./test}, i.e. {@code mvn install}) installs tally-bom, tally-core and
 * tally-testing before this module's integration tests run. The build is offline: everything it
 * needs is what Tally's own build just used.
 */
class NewProjectIT {
    private static final Pattern TESTS_RUN = Pattern.compile(
            "Tests run: (\\d+), Failures: (\\d+), Errors: (\\d+), Skipped: (\\d+)\\s*$", Pattern.MULTILINE);

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path tmp;

    @Test
    void theNewProjectBuildsRunsItsTestsAndHoldsTheApp() throws Exception {
        Optional<Path> mvn = NewShop.mavenOnPath();
        if (mvn.isEmpty()) {
            System.out.println("NewProjectIT skipped: Maven is not on the PATH");
        }
        Assumptions.assumeTrue(mvn.isPresent(), "NewProjectIT builds the project 'tally new' makes, with Maven:"
                + " Maven is not on the PATH; install Maven 3.8+ (e.g. sudo apt-get install maven) to run it");

        // made and packaged once for this class and ConsoleIT; changed below only in a copy of its own
        NewShop.Made made = NewShop.packaged(mvn.get());
        TallyProcess.Finished created = made.created();
        assertThat(created.exitCode()).as(created.output()).isZero();
        assertThat(created.output()).contains("src/main/java/com/acme/shop/ShopApp.java").contains("next:")
                .contains("mvn package").contains("serve --app target/shop-0.1.0-SNAPSHOT.jar");

        NewShop.Build build = made.packaged();
        assertThat(build.exitCode()).as(build.failure()).isZero();
        assertThat(build.log()).contains("Running com.acme.shop.ShoppingCartTest");
        MatchResult totals = lastTotals(build.log());
        assertThat(Integer.parseInt(totals.group(1))).as("tests run").isGreaterThanOrEqualTo(5);
        assertThat(totals.group(2) + totals.group(3) + totals.group(4)).as("failures, errors, skipped").isEqualTo("000");

        Path jar = made.jar();
        try (JarFile j = new JarFile(jar.toFile())) {
            JarEntry service = j.getJarEntry("META-INF/services/dev.tally.core.app.TallyApp");
            assertThat(service).as("the service file in " + jar).isNotNull();
            assertThat(new String(j.getInputStream(service).readAllBytes(), StandardCharsets.UTF_8).strip())
                    .isEqualTo("com.acme.shop.ShopApp");
            assertThat(j.getJarEntry("com/acme/shop/ShopApp.class")).isNotNull();
            assertThat(j.getJarEntry("dev/tally/core/app/TallyApp.class")).as("Tally stays out of the app's jar")
                    .isNull();
        }

        // found as 'tally serve --app' finds it: ServiceLoader over the jar, Tally from the host's class loader
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, getClass().getClassLoader())) {
            List<TallyApp> apps = new ArrayList<>();
            ServiceLoader.load(TallyApp.class, loader).forEach(apps::add);
            assertThat(apps).hasSize(1);
            TallyApp app = apps.get(0);
            assertThat(app.name()).isEqualTo("shop");
            assertThat(app.stores()).extracting(AggregateDefinition::name).containsExactly("cart");
            assertThat(app.stores().get(0).commandTypes()).containsOnlyKeys("AddItem", "RemoveItem", "Hold",
                    "ReleaseHold", "GiveContact");
            assertThat(app.sagas()).extracting(dev.tally.core.saga.Saga::name).containsExactly("cart-hold");
            assertThat(app.projections()).extracting(Projection::name).containsExactly("cart-summary");
        }

        // served as a user serves it: tally serve --app on the jar, the generic routes, the projection
        try (TallyProcess tally = TallyProcess.serve("--app", jar.toString(), "--in-memory", "--port", "0")) {
            Http http = new Http(tally.url());
            com.fasterxml.jackson.databind.JsonNode stores = http.get("/api/stores").json();
            com.fasterxml.jackson.databind.JsonNode cart = null;
            for (com.fasterxml.jackson.databind.JsonNode st : stores) {
                cart = st.get("name").asText().equals("cart") ? st : cart;
            }
            assertThat(cart).as("the cart store in " + stores).isNotNull();
            assertThat(cart.get("commands").toString())
                    .isEqualTo("[\"AddItem\",\"RemoveItem\",\"Hold\",\"ReleaseHold\",\"GiveContact\"]");
            assertThat(cart.get("internalCommands").toString()).isEqualTo("[\"ReleaseHold\"]");
            assertThat(cart.get("projections").toString()).isEqualTo("[\"cart-summary\"]");
            Http.Answer added = http.post("/api/stores/cart/c1/commands/AddItem", "{\"sku\": \"apple\", \"quantity\": 2}");
            assertThat(added.status()).as(added.json().toString()).isEqualTo(200);
            assertThat(added.json().get("version").asLong()).isEqualTo(1);
            Http.Answer refused = http.post("/api/stores/cart/c1/commands/RemoveItem",
                    "{\"sku\": \"apple\", \"quantity\": 3}");
            assertThat(refused.status()).isEqualTo(422);
            assertThat(refused.json().get("error").asText()).isEqualTo("not_in_cart");
            assertThat(http.post("/api/stores/cart/c1/commands/AddItem", "{\"sku\": \"apple\"}").status())
                    .as("a body that does not bind").isEqualTo(400);
            dev.tally.testing.Eventually.eventually(() -> {
                try {
                    Http.Answer view = http.get("/api/views/cart-summary/c1");
                    assertThat(view.status()).isEqualTo(200);
                    assertThat(view.json().get("version").asLong()).isEqualTo(1);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
        }

        Path shop = NewShop.copy(made, tmp.resolve("shop"));
        lambdaJarAndTemplate(mvn.get(), shop);
        onMoto(shop.resolve("target/shop-0.1.0-SNAPSHOT.jar"));

        // a test that cannot fail is a defect: break the decider, and the project's build must fail
        Path commands = shop.resolve("src/main/java/com/acme/shop/CartCommand.java");
        String source = Files.readString(commands);
        String guard = "if (quantity > cart.quantityOf(sku)) {";
        assertThat(source).as("the template's RemoveItem guard (update this test with the template)").contains(guard);
        Files.writeString(commands, source.replace(guard, "if (false) {"));
        NewShop.Build broken = maven(mvn.get(), shop, "test");
        assertThat(broken.exitCode()).as("the build of a project whose RemoveItem removes what the cart does not"
                + " hold must fail:\n" + broken.tail(40)).isNotZero();
        assertThat(broken.log()).contains("aCartCannotGiveWhatItDoesNotHold")
                .contains("expected a rejection 'not_in_cart'");
        Files.writeString(commands, source);

        // and the saga: one that never releases a hold fails its specification and its flow test
        Path saga = shop.resolve("src/main/java/com/acme/shop/CartHoldSaga.java");
        String sagaSource = Files.readString(saga);
        String due = "if (w.due()) {";
        assertThat(sagaSource).as("the template's saga release step (update this test with the template)").contains(due);
        Files.writeString(saga, sagaSource.replace(due, "if (false) {"));
        NewShop.Build brokenSaga = maven(mvn.get(), shop, "test");
        assertThat(brokenSaga.exitCode()).as("the build of a project whose saga never releases a hold must fail:\n"
                + brokenSaga.tail(40)).isNotZero();
        assertThat(brokenSaga.log()).contains("whenTheTimerFiresTheHoldIsReleased")
                .contains("aHoldIsReleasedOnceItsTimeHasCome");
    }

    /** The app end to end on moto_server, each function built as its template configures it (NewProjectOnMoto). */
    private void onMoto(Path jar) throws Exception {
        if (!dev.tally.testing.MotoServer.available()) {
            System.out.println("NewProjectIT: moto_server was not found, so the app was not run end to end on it"
                    + " (install it with 'pip install \"moto[server]\"' and run the test again)");
            return;
        }
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, getClass().getClassLoader());
             dev.tally.testing.MotoServer moto = dev.tally.testing.MotoServer.startOrSkipAsDefaultCredentials()) {
            TallyApp app = ServiceLoader.load(TallyApp.class, loader).findFirst().orElseThrow();
            NewProjectOnMoto shop = new NewProjectOnMoto(moto, app);
            com.fasterxml.jackson.databind.JsonNode view = shop.cartThroughEveryFunction();
            assertThat(view.path("version").asLong()).as(view.toString()).isEqualTo(1);
            assertThat(view.path("view").path("items").asInt()).as("the two apples added, in the view").isEqualTo(2);
            shop.contactGivenThenForgotten(jar);
        }
    }

    /**
     * The project on AWS (issue 23): 'mvn -Plambda verify' packages the Lambda jar with versions from
     * tally-bom alone, and its LambdaJarIT starts every function of the app's template from it; then
     * 'tally aws template --app' on that jar renders a template that passes the checks (and cfn-lint,
     * when installed) with no wildcard action, and with --replicate-to the cross-region rule and role.
     */
    private void lambdaJarAndTemplate(Path mvn, Path shop) throws Exception {
        String pom = Files.readString(shop.resolve("pom.xml"));
        List<String> versioned = new ArrayList<>();
        Matcher dependency = Pattern.compile("(?s)<dependency>(.*?)</dependency>").matcher(pom.replaceAll("(?s)<!--.*?-->",
                ""));
        while (dependency.find()) {
            if (dependency.group(1).contains("<version>")) {
                versioned.add(dependency.group(1).replaceAll("\\s+", " ").strip());
            }
        }
        assertThat(versioned).as("the project takes every library's version from tally-bom, and only tally-bom's"
                + " from itself").singleElement().asString().contains("<artifactId>tally-bom</artifactId>");
        NewShop.Build lambda = maven(mvn, shop, "-Plambda", "verify");
        assertThat(lambda.exitCode()).as(lambda.failure()).isZero();
        assertThat(lambda.log()).contains("Running com.acme.shop.LambdaJarIT");
        MatchResult totals = lastTotals(lambda.log());
        assertThat(totals.group(1)).as("LambdaJarIT ran").isEqualTo("1");
        assertThat(totals.group(2) + totals.group(3) + totals.group(4)).as("failures, errors, skipped").isEqualTo("000");
        Path jar = shop.resolve("target/shop-lambda.jar");
        assertThat(Files.size(jar)).isLessThanOrEqualTo(dev.tally.testing.LambdaJar.MAX_BYTES);

        Path template = shop.resolve("template.json");
        TallyProcess.Finished rendered = TallyProcess.run(Map.of(), "aws", "template", "--app", jar.toString(),
                "--out", template.toString(), "--replicate-to", "eu-west-1");
        assertThat(rendered.exitCode()).as(rendered.output()).isZero();
        com.fasterxml.jackson.databind.JsonNode t = dev.tally.core.json.JsonCodec.parse(Files.readString(template));
        assertThat(t.path("Globals").path("Function").path("CodeUri").asText()).isEqualTo("target/shop-lambda.jar");
        List<String> actions = new ArrayList<>();
        t.path("Resources").forEach(r -> r.path("Properties").path("Policies").forEach(p -> p.path("PolicyDocument")
                .path("Statement").forEach(st -> st.path("Action").forEach(a -> actions.add(a.asText())))));
        assertThat(actions).isNotEmpty().noneMatch(a -> a.contains("*"));
        assertThat(t.path("Resources").path("ReplicationRule").path("Type").asText()).isEqualTo("AWS::Events::Rule");
        assertThat(t.path("Resources").path("ReplicationRole").path("Type").asText()).isEqualTo("AWS::IAM::Role");
        if (dev.tally.aws.deploy.CfnLint.find().isPresent()) {
            assertThat(rendered.output()).contains("checked: least privilege, alarms, cfn-lint");
        } else {
            System.out.println("NewProjectIT: cfn-lint not found, the template was checked without it ("
                    + dev.tally.aws.deploy.CfnLint.INSTALL + ")");
        }
    }

    /** {@code mvn -B -o GOALS} in {@code project}, its output also in target/new-project-GOALS.log. */
    private static NewShop.Build maven(Path mvn, Path project, String... goals) throws Exception {
        return NewShop.maven(mvn, project, Path.of("target", "new-project-" + String.join("", goals) + ".log")
                .toAbsolutePath(), goals);
    }

    /** The last "Tests run: ..." summary line: the totals of the build. */
    private static MatchResult lastTotals(String log) {
        Matcher m = TESTS_RUN.matcher(log);
        MatchResult last = null;
        while (m.find()) {
            last = m.toMatchResult();
        }
        assertThat(last).as("surefire's 'Tests run:' line in the build's output").isNotNull();
        return last;
    }
}
