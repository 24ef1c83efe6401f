package dev.tally.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code tally new} in-process: what it writes, the names it derives and what it refuses. That the
 * project it writes builds and its tests pass is NewProjectIT's job (it runs Maven).
 */
class NewCommandTest {
    @TempDir
    Path tmp;

    private record Run(int exitCode, String out, String err) {
    }

    private static Run tally(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void writesAProjectWithEveryPlaceholderFilled() throws IOException {
        Path shop = tmp.resolve("shop");
        Run r = tally("new", shop.toString(), "--package", "com.acme.shop");

        assertThat(r.exitCode()).as(r.err()).isZero();
        List<String> expected = List.of("pom.xml", "README.md", ".gitignore",
                "src/main/java/com/acme/shop/Cart.java", "src/main/java/com/acme/shop/CartCommand.java",
                "src/main/java/com/acme/shop/CartEvent.java", "src/main/java/com/acme/shop/ShoppingCart.java",
                "src/main/java/com/acme/shop/CartHoldSaga.java", "src/main/java/com/acme/shop/ShopApp.java",
                "src/main/resources/META-INF/services/dev.tally.core.app.TallyApp",
                "src/test/java/com/acme/shop/ShoppingCartTest.java", "src/test/java/com/acme/shop/CartHoldSagaTest.java",
                "src/test/java/com/acme/shop/CartFlowTest.java", "src/test/java/com/acme/shop/LambdaJarIT.java");
        try (Stream<Path> files = Files.walk(shop)) {
            assertThat(files.filter(Files::isRegularFile).map(p -> shop.relativize(p).toString().replace('\\', '/')))
                    .containsExactlyInAnyOrderElementsOf(expected);
        }
        for (String f : expected) {
            assertThat(Files.readString(shop.resolve(f))).as(f).doesNotContain("{{");
            assertThat(r.out()).contains("  " + f + "\n");
        }
        assertThat(Files.readString(shop.resolve("src/main/resources/META-INF/services/dev.tally.core.app.TallyApp")))
                .isEqualTo("com.acme.shop.ShopApp\n");
        assertThat(Files.readString(shop.resolve("src/main/java/com/acme/shop/ShopApp.java")))
                .startsWith("package com.acme.shop;").contains("public final class ShopApp implements TallyApp")
                .contains("return \"shop\";");
        String pom = Files.readString(shop.resolve("pom.xml"));
        assertThat(pom).contains("<groupId>com.acme.shop</groupId>").contains("<artifactId>shop</artifactId>")
                .contains("<tally.version>" + ProjectTemplate.versions().get("tallyVersion") + "</tally.version>")
                .contains("<artifactId>tally-bom</artifactId>").contains("<scope>import</scope>")
                .doesNotContain("${project.version}");
        assertThat(r.out()).contains("app 'shop', its class com.acme.shop.ShopApp").doesNotContain("app app");
        assertThat(r.out()).contains("next:").contains("cd " + shop).contains("mvn package")
                .contains("serve --app target/shop-0.1.0-SNAPSHOT.jar");
    }

    @Test
    void theVersionsAreTallysOwn() {
        assertThat(ProjectTemplate.versions()).containsKeys("tallyVersion", "junitVersion", "assertjVersion",
                "compilerPluginVersion", "surefirePluginVersion", "jarPluginVersion", "resourcesPluginVersion",
                "installPluginVersion", "cleanPluginVersion");
        assertThat(ProjectTemplate.versions().values()).allSatisfy(v -> assertThat(v).matches("[0-9][0-9A-Za-z.-]*"));
    }

    @Test
    void anEmptyDirectoryIsFineAndNamesTheProject() throws IOException {
        Path dir = Files.createDirectory(tmp.resolve("order-service"));
        Run r = tally("new", dir.toString(), "--package", "org.example.orders");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(dir.resolve("src/main/java/org/example/orders/OrderServiceApp.java")).isRegularFile();
        assertThat(Files.readString(dir.resolve("pom.xml"))).contains("<artifactId>order-service</artifactId>");
    }

    @Test
    void refusesADirectoryThatHoldsAnything() throws IOException {
        Path dir = Files.createDirectory(tmp.resolve("shop"));
        Files.writeString(dir.resolve("notes.txt"), "mine");
        Run r = tally("new", dir.toString(), "--package", "com.acme.shop");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("is not empty (it holds notes.txt)").contains("never overwrites");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactly(dir.resolve("notes.txt"));
        }
        assertThat(Files.readString(dir.resolve("notes.txt"))).isEqualTo("mine");

        Path file = Files.writeString(tmp.resolve("afile"), "x");
        assertThat(tally("new", file.toString(), "--package", "com.acme").err()).contains("is a file");
    }

    @Test
    void refusesWhatIsNotAJavaPackage() {
        assertRefused("com.acme.2shop", "'2shop' is not a Java identifier");
        assertRefused("com..acme", "an empty part");
        assertRefused("com.acme.", "an empty part");
        assertRefused("com.acme.class", "'class' is a Java keyword");
        assertRefused("com.acme-shop", "'acme-shop' is not a Java identifier");
        assertRefused("java.shop", "belong to the JDK");
        assertRefused("", "is empty");
        assertThat(tmp.resolve("shop")).doesNotExist();
    }

    private void assertRefused(String pkg, String why) {
        Run r = tally("new", tmp.resolve("shop").toString(), "--package", pkg);
        assertThat(r.exitCode()).as(pkg).isEqualTo(2);
        assertThat(r.err()).as(pkg).contains("--package").contains(why).contains("e.g. com.acme.shop");
    }

    @Test
    void aPackageIsRequiredAndTheDirectoryNameMustBeAnArtifactId() {
        assertThat(tally("new", tmp.resolve("shop").toString()).err()).contains("--package");
        Run r = tally("new", tmp.resolve("my shop").toString(), "--package", "com.acme.shop");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("artifactId");
        assertThat(tmp.resolve("my shop")).doesNotExist();
    }

    @Test
    void namesDerivedFromTheArtifactId() {
        assertThat(NewCommand.appClass("shop")).isEqualTo("ShopApp");
        assertThat(NewCommand.appClass("library")).isEqualTo("LibraryApp");
        assertThat(NewCommand.appClass("app")).isEqualTo("MainApp");
        assertThat(NewCommand.appClass("order-service")).isEqualTo("OrderServiceApp");
        assertThat(NewCommand.appClass("my_app")).isEqualTo("MyApp");
        assertThat(NewCommand.appClass("2shop")).isEqualTo("Tally2shopApp");
        assertThat(NewCommand.appName("Order_Service")).isEqualTo("order-service");
        assertThat(NewCommand.appName("-shop")).isEqualTo("shop");
        assertThat(NewCommand.appName("a".repeat(40))).hasSize(32);
        assertThat(NewCommand.appName("..")).isEqualTo("app");
    }

    @Test
    void helpShowsAnExampleAndTheCommandIsListed() {
        assertThat(tally("new", "--help").out()).contains("tally new shop --package com.acme.shop")
                .contains("cd shop && mvn package").contains("tally serve --app target/shop-0.1.0-SNAPSHOT.jar");
        assertThat(tally("--help").out()).contains("new");
    }
}
