package dev.tally.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guard of {@code ./test} on small source trees shaped like this repository: a module with
 * {@code src/test/java} and the reports Surefire and Failsafe write under {@code target/}.
 */
class UnrunTestClassesTest {
    @TempDir
    Path root;

    @Test
    void aDeliberatelyMisnamedTestClassFailsTheGuardAsTestRunsItNamingTheClass() throws Exception {
        Path module = root.resolve("tally-widget");
        source(module, "dev.tally.widget", "WidgetTest", "class WidgetTest { @Test void works() {} }");
        source(module, "dev.tally.widget", "WidgetProperties",
                "class WidgetProperties { @Property void holds(@ForAll int x) {} }");
        report(module, "surefire-reports", "dev.tally.widget.WidgetTest");
        Path since = root.resolve("started");
        Files.writeString(since, "");
        Files.setLastModifiedTime(since, FileTime.from(Instant.now().minusSeconds(60)));

        // exactly as ./test runs it: the JDK's launcher on the source file, after the build
        Process guard = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                Path.of("src/main/java/dev/tally/it/UnrunTestClasses.java").toAbsolutePath().toString(),
                root.toString(), "--since", since.toString()).redirectErrorStream(true).start();
        String output = new String(guard.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(guard.waitFor(60, TimeUnit.SECONDS)).isTrue();

        assertThat(guard.exitValue()).as(output).isEqualTo(1);
        assertThat(output).contains("tally-widget: dev.tally.widget.WidgetProperties - its name ends neither in Test"
                + " nor in IT");
        assertThat(output).doesNotContain("dev.tally.widget.WidgetTest -");
        assertThat(output).contains("tally-widget", "ran   1 classes with tests");
    }

    @Test
    void passesWhenEveryClassWithTestsHasAReportFromEitherPlugin() throws Exception {
        Path module = root.resolve("examples/shop");
        source(module, "dev.shop", "ShopTest", "class ShopTest { @ParameterizedTest void a(int x) {} }");
        source(module, "dev.shop", "ShopIT", "class ShopIT { @Test void served() {} }");
        source(module, "dev.shop", "ShopFixtures", "final class ShopFixtures { static int one() { return 1; } }");
        report(module, "surefire-reports", "dev.shop.ShopTest");
        report(module, "failsafe-reports", "dev.shop.ShopIT");

        UnrunTestClasses.Verdict verdict = UnrunTestClasses.check(root, Optional.empty());

        assertThat(verdict.unrun()).isEmpty();
        assertThat(verdict.ranPerModule()).containsEntry(module, 2);
    }

    @Test
    void aClassNamedRightThatDidNotRunIsNamedToo() throws Exception {
        Path module = root.resolve("tally-new");
        source(module, "dev.tally.fresh", "FreshTest", "class FreshTest { @RepeatedTest(3) void again() {} }");

        UnrunTestClasses.Verdict verdict = UnrunTestClasses.check(root, Optional.empty());

        assertThat(verdict.unrun()).singleElement().satisfies(u -> {
            assertThat(u.className()).isEqualTo("dev.tally.fresh.FreshTest");
            assertThat(u.reason()).contains("no report", "reactor");
        });
    }

    @Test
    void aReportFromAnEarlierBuildDoesNotCount() throws Exception {
        Path module = root.resolve("tally-old");
        source(module, "dev.tally.old", "StaleTest", "class StaleTest { @Test void once() {} }");
        Path report = report(module, "surefire-reports", "dev.tally.old.StaleTest");
        Files.setLastModifiedTime(report, FileTime.from(Instant.now().minusSeconds(3600)));

        assertThat(UnrunTestClasses.check(root, Optional.of(FileTime.from(Instant.now().minusSeconds(60)))).unrun())
                .extracting(UnrunTestClasses.Unrun::className).containsExactly("dev.tally.old.StaleTest");
        assertThat(UnrunTestClasses.check(root, Optional.of(FileTime.from(Instant.now().minusSeconds(7200)))).unrun())
                .isEmpty();
    }

    @Test
    void anAbstractClassWithTestsRunsThroughTheClassesThatExtendIt() throws Exception {
        Path module = root.resolve("tally-store");
        source(module, "dev.tally.store", "StoreScenarios",
                "public abstract class StoreScenarios<S extends Comparable<S>> { @Test void appends() {} }");
        source(module, "dev.tally.store", "OnDiskTest", "class OnDiskTest extends StoreScenarios<String> { }");
        source(module, "dev.tally.store", "Contract", "interface Contract { @Test default void keeps() {} }");
        source(module, "dev.tally.store", "NobodyExtendsMe", "abstract class NobodyExtendsMe { @Test void x() {} }");
        source(module, "dev.tally.store", "InMemoryTest",
                "final class InMemoryTest implements java.io.Serializable, dev.tally.store.Contract { }");
        report(module, "surefire-reports", "dev.tally.store.OnDiskTest");
        report(module, "surefire-reports", "dev.tally.store.InMemoryTest");

        UnrunTestClasses.Verdict verdict = UnrunTestClasses.check(root, Optional.empty());

        assertThat(verdict.unrun()).extracting(UnrunTestClasses.Unrun::className, UnrunTestClasses.Unrun::reason)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("dev.tally.store.NobodyExtendsMe",
                        "abstract, and no class that extends it ran"));
    }

    @Test
    void aClassThatInheritsAContractSuiteFromMainSourcesDeclaresTests() throws Exception {
        Path testing = root.resolve("tally-testing");
        Path main = testing.resolve("src/main/java/dev/tally/testing");
        Files.createDirectories(main);
        Files.writeString(main.resolve("LedgerContract.java"), "package dev.tally.testing;\n"
                + "public abstract class LedgerContract { @Test void appends() {} }\n");
        Files.writeString(main.resolve("Clock.java"), "package dev.tally.testing;\npublic final class Clock { }\n");
        Path module = root.resolve("tally-dynamodb");
        source(module, "dev.tally.dynamodb", "DynamoDbLedgerContractTest",
                "class DynamoDbLedgerContractTest extends dev.tally.testing.LedgerContract { }");
        source(module, "dev.tally.dynamodb", "SqliteLedgerContract", "class SqliteLedgerContract extends LedgerContract { }");
        source(module, "dev.tally.dynamodb", "Deeper", "final class Deeper extends SqliteLedgerContract { }");
        source(module, "dev.tally.dynamodb", "TickingClock", "final class TickingClock extends Clock { }");
        // a suite bound to the engine in a nested class, run through a top-level class extending it
        source(module, "dev.tally.dynamodb", "Contracts",
                "final class Contracts { static class Ledger extends LedgerContract { } }");
        source(module, "dev.tally.dynamodb", "DynamoDbLedgerBound", "class DynamoDbLedgerBound extends Contracts.Ledger { }");
        report(module, "surefire-reports", "dev.tally.dynamodb.DynamoDbLedgerContractTest");

        UnrunTestClasses.Verdict verdict = UnrunTestClasses.check(root, Optional.empty());

        assertThat(verdict.unrun()).extracting(UnrunTestClasses.Unrun::className)
                .containsExactly("dev.tally.dynamodb.Deeper", "dev.tally.dynamodb.DynamoDbLedgerBound",
                        "dev.tally.dynamodb.SqliteLedgerContract");
        assertThat(verdict.ranPerModule()).containsEntry(module, 1).doesNotContainKey(testing);
    }

    @Test
    void nestedClassesReportUnderTheirOwnNameAndCountForTheirFile() throws Exception {
        Path module = root.resolve("tally-nest");
        source(module, "dev.tally.nest", "OuterTest", "class OuterTest { @Nested class Inner { @Test void a() {} } }");
        report(module, "surefire-reports", "dev.tally.nest.OuterTest$Inner");

        assertThat(UnrunTestClasses.check(root, Optional.empty()).unrun()).isEmpty();
    }

    @Test
    void annotationsInCommentsAndStringsAreNotTests() {
        String source = """
                package dev.tally.cli;
                /** Writes a project whose class has {@code @Test} methods. */
                final class Scaffold {
                    // @Test would be in the generated class
                    static final String TEMPLATE = "class ShopTest { @Test void t() {} }";
                    static final String BLOCK = \"""
                            @Property void holds() {}
                            \""";
                    static final char AT = '@';
                }
                """;

        UnrunTestClasses.TestSource parsed = UnrunTestClasses.parse(root, source, "Scaffold");

        assertThat(parsed.annotated()).isFalse();
        assertThat(parsed.className()).isEqualTo("dev.tally.cli.Scaffold");
        assertThat(UnrunTestClasses.parse(root, "class A { @org.junit.jupiter.api.TestFactory Object f() {} }", "A")
                .annotated()).isTrue();
        assertThat(UnrunTestClasses.parse(root, "class B { @TestInstance(PER_CLASS) int x; }", "B").annotated())
                .isFalse();
        assertThat(UnrunTestClasses.parse(root, "class C { @JsonProperty(\"p\") int p; }", "C").annotated())
                .isFalse();
    }

    @Test
    void buildOutputAndHiddenFoldersAreNotSources() throws Exception {
        Path module = root.resolve("tally-cli");
        // a project `tally new` wrote under target/ during a test: its classes are not this build's
        source(module.resolve("target/it/shop"), "dev.shop", "Misnamed", "class Misnamed { @Test void t() {} }");
        source(root.resolve(".git/x"), "dev.x", "Misnamed", "class Misnamed { @Test void t() {} }");

        assertThat(UnrunTestClasses.testSources(root)).isEmpty();
    }

    private static void source(Path module, String pkg, String name, String body) throws IOException {
        Path dir = module.resolve("src/test/java").resolve(pkg.replace('.', '/'));
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(name + ".java"), "package " + pkg + ";\n\n" + body + "\n");
    }

    private static Path report(Path module, String plugin, String className) throws IOException {
        Path dir = module.resolve("target").resolve(plugin);
        Files.createDirectories(dir);
        return Files.writeString(dir.resolve("TEST-" + className + ".xml"), String.join("\n", List.of(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
                "<testsuite name=\"" + className + "\" tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"0\"/>")));
    }
}
