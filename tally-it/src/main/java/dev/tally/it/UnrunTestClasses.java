package dev.tally.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The guard against test classes that never run. Surefire runs only classes whose names match its
 * patterns ({@code *Test}, ...) and Failsafe only {@code *IT}; a class named otherwise compiles,
 * looks like a test, and is silently never run. After the build, this compares the classes under
 * every module's {@code src/test/java} that declare tests with the reports Surefire and Failsafe
 * wrote under that module's {@code target/}, and names each class that has none.
 *
 * <p>It finds modules by walking the tree, so a module added later is checked without changing
 * anything here. A class declares tests when it has a test annotation or inherits one (from another
 * test class, or from a contract suite under some {@code src/main/java}, such as tally-testing's);
 * an abstract class or an interface with tests counts as run when a class that extends it ran. Plain JDK only, so {@code ./test} runs it as a source file:
 * {@code java tally-it/src/main/java/dev/tally/it/UnrunTestClasses.java ROOT [--since FILE]}, where
 * reports older than FILE (from an earlier build) do not count.
 */
public final class UnrunTestClasses {
    /** The annotations that make a class a test class (JUnit Jupiter, JUnit 4, jqwik). */
    static final Pattern TEST_ANNOTATION = Pattern.compile(
            "@(?:[\\w.]+\\.)?(Test|ParameterizedTest|RepeatedTest|TestFactory|TestTemplate|Property|Example|Nested)\\b");
    private static final Pattern PACKAGE = Pattern.compile("\\bpackage\\s+([\\w.]+)\\s*;");
    private static final String MODIFIERS =
            "((?:(?:public|protected|private|abstract|final|sealed|non-sealed|static|strictfp)\\s+)*)";
    private static final String TEST_SOURCES = "src/test/java";
    private static final String MAIN_SOURCES = "src/main/java";

    private UnrunTestClasses() {
    }

    /**
     * A top-level type under a module's test (or main) sources; {@code annotated}: its file has test
     * annotations; {@code nested}: the types declared inside it (never annotated themselves here).
     */
    record TestSource(Path module, String className, boolean annotated, boolean isAbstract,
                      Set<String> supertypes, List<TestSource> nested) {
        String simpleName() {
            return className.substring(Math.max(className.lastIndexOf('.'), className.lastIndexOf('$')) + 1);
        }
    }

    /** A class that declares tests and that neither Surefire nor Failsafe ran, and why that is likely. */
    record Unrun(Path module, String className, String reason) {
    }

    /** What the check found: classes that ran, per module, and those that did not. */
    record Verdict(Map<Path, Integer> ranPerModule, List<Unrun> unrun) {
        boolean passed() {
            return unrun.isEmpty();
        }
    }

    public static void main(String[] args) {
        if (args.length != 1 && !(args.length == 3 && args[1].equals("--since"))) {
            System.err.println("usage: UnrunTestClasses ROOT [--since FILE]   (FILE: created before the build started)");
            System.exit(2);
        }
        Path root = Path.of(args[0]).toAbsolutePath().normalize();
        Optional<FileTime> since = Optional.empty();
        if (args.length == 3) {
            try {
                since = Optional.of(Files.getLastModifiedTime(Path.of(args[2])));
            } catch (IOException e) {
                System.err.println("cannot read the time of " + args[2] + ": " + e.getMessage());
                System.exit(2);
            }
        }
        Verdict verdict = check(root, since);
        for (Map.Entry<Path, Integer> m : verdict.ranPerModule().entrySet()) {
            System.out.printf("test guard: %-24s ran %3d classes with tests%n", name(root, m.getKey()), m.getValue());
        }
        if (verdict.passed()) {
            System.out.println("test guard: every class with tests ran ("
                    + verdict.ranPerModule().values().stream().mapToInt(Integer::intValue).sum() + " classes)");
            return;
        }
        System.err.println();
        System.err.println("test guard: " + verdict.unrun().size() + " class(es) declare tests that neither Surefire nor"
                + " Failsafe ran:");
        for (Unrun u : verdict.unrun()) {
            System.err.println("  " + name(root, u.module()) + ": " + u.className() + " - " + u.reason());
        }
        System.err.println("Name a unit test class *Test and an integration test class *IT (README, Quick start).");
        System.exit(1);
    }

    private static String name(Path root, Path module) {
        String relative = root.relativize(module).toString();
        return relative.isEmpty() ? "." : relative;
    }

    /** Checks every module under {@code root}; reports last modified before {@code since} do not count. */
    static Verdict check(Path root, Optional<FileTime> since) {
        Map<String, List<TestSource>> main = new LinkedHashMap<>();
        List<TestSource> sources = new ArrayList<>();
        for (TestSource s : sources(root, MAIN_SOURCES)) {
            main.computeIfAbsent(s.simpleName(), k -> new ArrayList<>()).add(s);
            s.nested().forEach(n -> main.computeIfAbsent(n.simpleName(), k -> new ArrayList<>()).add(n));
        }
        sources.addAll(sources(root, TEST_SOURCES));
        Map<String, List<TestSource>> bySimpleName = new LinkedHashMap<>(main);
        for (TestSource s : sources) {
            bySimpleName.computeIfAbsent(s.simpleName(), k -> new ArrayList<>()).add(s);
            s.nested().forEach(n -> bySimpleName.computeIfAbsent(n.simpleName(), k -> new ArrayList<>()).add(n));
        }
        Map<Path, Integer> ran = new TreeMap<>();
        List<Unrun> unrun = new ArrayList<>();
        for (TestSource s : sources) {
            if (!declaresTests(s, bySimpleName, new HashSet<>())) {
                continue;
            }
            if (ran(s, sources, since, new HashSet<>())) {
                if (!s.isAbstract()) {
                    ran.merge(s.module(), 1, Integer::sum);
                }
            } else {
                unrun.add(new Unrun(s.module(), s.className(), reason(s)));
            }
        }
        return new Verdict(ran, unrun);
    }

    /** Has test annotations, or extends (implements) a type that has them, here or in some main sources. */
    private static boolean declaresTests(TestSource s, Map<String, List<TestSource>> bySimpleName, Set<String> seen) {
        if (s.annotated()) {
            return true;
        }
        if (!seen.add(s.className())) {
            return false;
        }
        for (String supertype : s.supertypes()) {
            for (TestSource parent : bySimpleName.getOrDefault(supertype, List.of())) {
                if (declaresTests(parent, bySimpleName, seen)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String reason(TestSource s) {
        if (s.isAbstract()) {
            return "abstract, and no class that extends it ran";
        }
        String simple = s.simpleName();
        if (!simple.endsWith("Test") && !simple.endsWith("IT")) {
            return "its name ends neither in Test nor in IT, so neither plugin picks it up";
        }
        return "no report in target/surefire-reports or target/failsafe-reports: is the module in the"
                + " reactor, are its tests skipped or excluded?";
    }

    private static boolean ran(TestSource s, List<TestSource> all, Optional<FileTime> since, Set<String> seen) {
        if (!seen.add(s.className())) {
            return false;
        }
        if (!s.isAbstract()) {
            return hasReport(s, since);
        }
        for (TestSource sub : all) {
            if (sub.supertypes().contains(s.simpleName()) && ran(sub, all, since, seen)) {
                return true;
            }
        }
        return false;
    }

    /** A report of the class itself, or of one of its nested classes (JUnit's {@code @Nested}). */
    private static boolean hasReport(TestSource s, Optional<FileTime> since) {
        for (String plugin : List.of("surefire-reports", "failsafe-reports")) {
            Path dir = s.module().resolve("target").resolve(plugin);
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (var files = Files.list(dir)) {
                boolean found = files.anyMatch(f -> {
                    String n = f.getFileName().toString();
                    boolean mine = n.equals("TEST-" + s.className() + ".xml")
                            || n.startsWith("TEST-" + s.className() + "$") && n.endsWith(".xml");
                    return mine && since.map(t -> modified(f).compareTo(t) >= 0).orElse(true);
                });
                if (found) {
                    return true;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return false;
    }

    private static FileTime modified(Path f) {
        try {
            return Files.getLastModifiedTime(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every {@code .java} file under some {@code src/test/java}, build output and VCS folders left out. */
    static List<TestSource> testSources(Path root) {
        return sources(root, TEST_SOURCES);
    }

    /** Every {@code .java} file under some {@code folder} (src/test/java, src/main/java) below {@code root}. */
    private static List<TestSource> sources(Path root, String folder) {
        List<TestSource> out = new ArrayList<>();
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    String n = dir.getFileName() == null ? "" : dir.getFileName().toString();
                    boolean skip = !dir.equals(root) && (n.equals("target") || n.equals("node_modules")
                            || n.startsWith("."));
                    return skip ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    String path = file.toString().replace('\\', '/');
                    int at = path.indexOf("/" + folder + "/");
                    if (at >= 0 && path.endsWith(".java") && !path.endsWith("package-info.java")
                            && !path.endsWith("module-info.java")) {
                        out.add(parse(Path.of(path.substring(0, at)), Files.readString(file),
                                file.getFileName().toString().replace(".java", "")));
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.sort((a, b) -> a.className().compareTo(b.className()));
        return out;
    }

    /** Reads what the guard needs from one source file (comments and literals do not count). */
    static TestSource parse(Path module, String source, String simpleName) {
        String code = codeOnly(source);
        Matcher pkg = PACKAGE.matcher(code);
        String className = pkg.find() ? pkg.group(1) + "." + simpleName : simpleName;
        boolean annotated = TEST_ANNOTATION.matcher(code).find();
        Matcher type = Pattern.compile("(?:^|[\\s;{}])" + MODIFIERS + "(class|interface|enum|record)\\s+"
                + "(\\w+)\\b([^{;]*)\\{").matcher(code);
        boolean isAbstract = false;
        Set<String> supertypes = new HashSet<>();
        List<TestSource> nested = new ArrayList<>();
        while (type.find()) {
            boolean abstractType = type.group(1).contains("abstract") || type.group(2).equals("interface");
            if (type.group(3).equals(simpleName)) {
                isAbstract = abstractType;
                supertypes = supertypes(type.group(4));
            } else {
                nested.add(new TestSource(module, className + "$" + type.group(3), false, abstractType,
                        supertypes(type.group(4)), List.of()));
            }
        }
        return new TestSource(module, className, annotated, isAbstract, supertypes, nested);
    }

    /** The simple names after {@code extends} and {@code implements} in a type's header. */
    static Set<String> supertypes(String header) {
        Set<String> names = new HashSet<>();
        String withoutGenerics = header;
        String previous;
        do {
            previous = withoutGenerics;
            withoutGenerics = withoutGenerics.replaceAll("<[^<>]*>", " ");
        } while (!withoutGenerics.equals(previous));
        Matcher m = Pattern.compile("\\b(?:extends|implements)\\s+([\\w.\\s,]+?)(?=\\bimplements\\b|\\bpermits\\b|$)")
                .matcher(withoutGenerics.trim());
        while (m.find()) {
            for (String t : m.group(1).split(",")) {
                String name = t.trim();
                if (!name.isEmpty()) {
                    names.add(name.substring(name.lastIndexOf('.') + 1));
                }
            }
        }
        return names;
    }

    /** The source with comments, string and character literals (text blocks too) blanked out. */
    static String codeOnly(String source) {
        StringBuilder out = new StringBuilder(source.length());
        int i = 0;
        int n = source.length();
        while (i < n) {
            char c = source.charAt(i);
            if (c == '/' && i + 1 < n && source.charAt(i + 1) == '/') {
                while (i < n && source.charAt(i) != '\n') {
                    i++;
                }
            } else if (c == '/' && i + 1 < n && source.charAt(i + 1) == '*') {
                int end = source.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
                out.append(' ');
            } else if (source.startsWith("\"\"\"", i)) {
                int end = source.indexOf("\"\"\"", i + 3);
                while (end > 0 && source.charAt(end - 1) == '\\') {
                    end = source.indexOf("\"\"\"", end + 1);
                }
                i = end < 0 ? n : end + 3;
                out.append("\"\"");
            } else if (c == '"' || c == '\'') {
                int j = i + 1;
                while (j < n && source.charAt(j) != c && source.charAt(j) != '\n') {
                    j += source.charAt(j) == '\\' ? 2 : 1;
                }
                i = Math.min(n, j + 1);
                out.append(c).append(c);
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }
}
